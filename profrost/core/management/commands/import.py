"""`profrost import <kind> FILE`: the same pipeline as the import pages.

Exit status 0 when the file was written (or, with --dry-run, when it has no errors); 1 when
anything was rejected and nothing was written.
"""

import os
import sys

from django.core.management.base import BaseCommand, CommandError

from profrost.core.imports import IMPORTERS, get_importer, run_import
from profrost.core.journal import journal
from profrost.core.models import JournalAction


class Command(BaseCommand):
    help = "Загрузка данных из XLSX/CSV: profrost import <вид> FILE (organizations, staff, programs, …)"

    def add_arguments(self, parser):
        get_importer("staff")  # registers the importers
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="только проверить и показать итог")
        parser.add_argument("--skip-invalid", action="store_true", help="загрузить только корректные строки")
        parser.add_argument("--user", help="логин: загрузка в пределах его области доступа")
        parser.add_argument("--name", help="наименование (для загрузки карты заданий инструмента)")
        parser.add_argument("--campaign", type=int, help="id диагностики (для загрузки результатов)")
        parser.add_argument(
            "--cohort", type=int, help="id учебной группы (для загрузки результатов обучения)"
        )

    def handle(
        self, kind, file, dry_run, skip_invalid, user, name=None, campaign=None, cohort=None, **options
    ):
        account = None
        if user:
            from profrost.accounts.models import User

            account = User.objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(f"пользователь «{user}» не найден или отключён")

        def progress(done, total, stage):
            if options.get("verbosity", 1) > 1:
                self.stderr.write(f"{stage}: {done}/{total}")

        if kind == "instrument" and not name:
            raise CommandError("укажите --name: наименование инструмента")
        if kind == "results" and not campaign:
            raise CommandError("укажите --campaign: id диагностики")
        if kind == "cohort_results" and not cohort:
            raise CommandError("укажите --cohort: id учебной группы")
        if not os.path.isfile(file):
            raise CommandError(f"файл не найден: {file}")
        extra = {
            "instrument": {"name": name},
            "results": {"campaign": campaign},
            "cohort_results": {"cohort": cohort},
        }.get(kind, {})
        result = run_import(
            kind,
            file,
            user=account,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=progress,
            options=extra,
        )
        if result.file_error:
            self.stderr.write(f"Файл отклонён: {result.file_error}")
            sys.exit(1)
        self.stdout.write(
            f"Строк: {result.total}; новых: {result.new}; изменённых: {result.changed}; "
            f"без изменений: {result.unchanged}; с ошибками: {result.error_rows}"
        )
        for line in result.error_lines():
            self.stdout.write(line)
        journal(
            JournalAction.IMPORT,
            user=account,
            result="preview" if dry_run else ("success" if result.written else "rejected"),
            kind=kind,
            sha256=result.sha256,
            source="cli",
            **result.as_dict(),
        )
        if dry_run:
            self.stdout.write("Проверка без записи: в базу ничего не записано.")
            if result.errors:
                sys.exit(1)
            return
        if kind == "instrument" and result.created_id and not result.errors:
            # The regional IT staff script the yearly cycle: the id alone on the last line.
            self.stdout.write(str(result.created_id))
            return
        if kind == "instrument" and result.written:
            # Scripts of the yearly cycle read the instrument's id alone on the last line.
            self.stdout.write(str(result.created_id))
            return
        if result.written:
            self.stdout.write(self.style.SUCCESS("Записано."))
            return
        if result.out_of_scope:
            self.stderr.write(
                "В файле есть строки вне области доступа: файл отклонён целиком, ничего не записано."
            )
        else:
            self.stderr.write(
                "Есть ошибки: ничего не записано (загрузить только корректные строки: --skip-invalid)."
            )
        sys.exit(1)
