// No inline scripts (CSP): behaviour hangs on data attributes.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches("[data-autosubmit]")) {
    el.form.requestSubmit();
  }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
