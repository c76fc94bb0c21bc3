// Lookup fields (core.lookups): type a few letters of a name (or a SNILS, an INN, a login), pick from the list.
// The chosen rows live in the field's hidden <select>, which the form submits; chips show them. No inline
// scripts (CSP): every field is found by its classes. Keyboard: ↓/↑ move through the list, Enter picks,
// Escape closes it; each chip has its own «Убрать» button.
(function () {
  "use strict";

  var DELAY = 250;

  function parts(box) {
    return {
      input: box.querySelector("input[type=search]"),
      list: box.querySelector(".lookup-list"),
      status: box.querySelector(".lookup-status"),
      chips: box.querySelector(".lookup-chips"),
      select: box.querySelector("select.lookup-value"),
    };
  }

  function csrfToken(box) {
    var form = box.closest("form");
    var field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) {
      return field.value;
    }
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function say(box, text) {
    parts(box).status.textContent = text || "";
  }

  function close(box) {
    var p = parts(box);
    p.list.hidden = true;
    p.list.textContent = "";
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }

  function options(box) {
    return Array.prototype.slice.call(parts(box).list.querySelectorAll("[role=option]"));
  }

  function activate(box, index) {
    var p = parts(box);
    var all = options(box);
    all.forEach(function (option, i) {
      var on = i === index;
      option.classList.toggle("active", on);
      option.setAttribute("aria-selected", on ? "true" : "false");
      if (on) {
        p.input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function chosenValues(box) {
    return Array.prototype.map.call(parts(box).select.options, function (o) {
      return o.value;
    });
  }

  function show(box, results, message) {
    var p = parts(box);
    var taken = chosenValues(box);
    p.list.textContent = "";
    var shown = results.filter(function (r) {
      return taken.indexOf(String(r.id)) === -1;
    });
    shown.forEach(function (r, i) {
      var li = document.createElement("li");
      li.className = "list-group-item list-group-item-action lookup-option";
      li.id = p.input.id + "_option_" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("tabindex", "-1");
      li.dataset.value = r.id;
      li.textContent = r.label;
      p.list.appendChild(li);
    });
    p.list.hidden = shown.length === 0;
    p.input.setAttribute("aria-expanded", shown.length ? "true" : "false");
    if (message) {
      say(box, message);
    } else if (shown.length) {
      say(box, "Найдено: " + shown.length + ". Выберите стрелками и Enter или щелчком.");
    } else {
      say(box, results.length ? "Всё найденное уже выбрано" : "Ничего не найдено");
    }
  }

  function search(box) {
    var p = parts(box);
    var text = p.input.value.trim();
    var min = parseInt(box.getAttribute("data-lookup-min"), 10) || 2;
    if (box._controller) {
      box._controller.abort();
      box._controller = null;
    }
    if (text.length < min) {
      close(box);
      say(box, text.length ? "Введите не меньше " + min + " символов" : "");
      return;
    }
    var controller = window.AbortController ? new AbortController() : null;
    box._controller = controller;
    say(box, "Поиск…");
    fetch(box.getAttribute("data-lookup-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
        "X-CSRFToken": csrfToken(box),
        "X-Requested-With": "XMLHttpRequest",
      },
      body: new URLSearchParams({ q: text }).toString(),
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok || (response.headers.get("Content-Type") || "").indexOf("json") === -1) {
          throw new Error("lookup failed");
        }
        return response.json();
      })
      .then(function (data) {
        if (p.input.value.trim() === text) {
          show(box, data.results || [], data.message || "");
        }
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          close(box);
          say(box, "Поиск не удался: обновите страницу и попробуйте ещё раз.");
        }
      });
  }

  function chip(value, label) {
    var li = document.createElement("li");
    li.className = "lookup-chip";
    li.dataset.value = value;
    var span = document.createElement("span");
    span.textContent = label;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn-close lookup-remove";
    remove.setAttribute("aria-label", "Убрать: " + label);
    li.appendChild(span);
    li.appendChild(remove);
    return li;
  }

  function changed(box) {
    var p = parts(box);
    p.chips.hidden = p.select.options.length === 0;
    p.select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function choose(box, option) {
    var p = parts(box);
    var value = option.dataset.value;
    var label = option.textContent;
    if (!box.hasAttribute("data-lookup-multiple")) {
      p.select.textContent = "";
      p.chips.textContent = "";
    }
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    o.selected = true;
    p.select.appendChild(o);
    p.chips.appendChild(chip(value, label));
    p.input.value = "";
    close(box);
    say(box, "Выбрано: " + label);
    changed(box);
    p.input.focus();
  }

  function unchoose(box, li) {
    var p = parts(box);
    var value = li.dataset.value;
    Array.prototype.slice.call(p.select.options).forEach(function (o) {
      if (o.value === value) {
        o.remove();
      }
    });
    var label = li.textContent;
    li.remove();
    say(box, "Убрано: " + label);
    changed(box);
    p.input.focus();
  }

  document.addEventListener("input", function (event) {
    var box = event.target.closest(".lookup");
    if (!box || event.target.type !== "search") {
      return;
    }
    clearTimeout(box._timer);
    box._timer = setTimeout(function () {
      search(box);
    }, DELAY);
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target.closest && event.target.closest(".lookup");
    if (!box || !event.target.matches("input[type=search], .lookup-option")) {
      return;
    }
    var p = parts(box);
    var all = options(box);
    var current = all.findIndex(function (o) {
      return o.classList.contains("active");
    });
    if (event.key === "ArrowDown" && all.length) {
      event.preventDefault();
      activate(box, current < all.length - 1 ? current + 1 : 0);
    } else if (event.key === "ArrowUp" && all.length) {
      event.preventDefault();
      activate(box, current > 0 ? current - 1 : all.length - 1);
    } else if (event.key === "Enter" && !p.list.hidden && all.length) {
      event.preventDefault(); // picks instead of submitting the form
      choose(box, all[current >= 0 ? current : 0]);
    } else if (event.key === "Escape" && !p.list.hidden) {
      event.preventDefault();
      close(box);
      p.input.focus();
    }
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest(".lookup-option");
    if (option) {
      choose(option.closest(".lookup"), option);
      return;
    }
    var remove = event.target.closest(".lookup-remove");
    if (remove) {
      unchoose(remove.closest(".lookup"), remove.closest(".lookup-chip"));
    }
  });

  // Leaving the field (not for one of its options) closes the list.
  document.addEventListener("focusout", function (event) {
    var box = event.target.closest && event.target.closest(".lookup");
    if (box && !(event.relatedTarget && box.contains(event.relatedTarget))) {
      close(box);
    }
  });
})();

// A list whose further options depend on the one row chosen in a lookup field (the deficits of the one teacher
// chosen in the apply form): <select data-options-for="<the lookup's select id>" data-options-url="…"
// data-options-param="job" data-options-keep="2">. Several rows or none chosen: only the first options stay.
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var source = event.target;
    if (!source.matches || !source.matches("select.lookup-value") || !source.id) {
      return;
    }
    document.querySelectorAll('select[data-options-for="' + source.id + '"]').forEach(function (target) {
      var keep = parseInt(target.getAttribute("data-options-keep"), 10) || 0;
      var previous = target.value;
      function reset() {
        while (target.options.length > keep) {
          target.remove(keep);
        }
        if (!Array.prototype.some.call(target.options, function (o) { return o.value === previous; })) {
          target.selectedIndex = 0;
        }
      }
      var chosen = Array.prototype.map.call(source.options, function (o) {
        return o.value;
      });
      if (chosen.length !== 1) {
        reset();
        return;
      }
      var url = new URL(target.getAttribute("data-options-url"), window.location.href);
      url.searchParams.set(target.getAttribute("data-options-param") || "id", chosen[0]);
      fetch(url.toString(), { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("options failed");
          }
          return response.json();
        })
        .then(function (data) {
          reset();
          (data.results || []).forEach(function (r) {
            var option = document.createElement("option");
            option.value = r.id;
            option.textContent = r.label;
            option.selected = String(r.id) === previous;
            target.appendChild(option);
          });
        })
        .catch(reset);
    });
  });
})();
