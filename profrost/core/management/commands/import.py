"""`profrost import <kind> FILE`: the same pipeline as the import pages.

Exit status 0 when the file was written (or, with --dry-run, when it has no errors); 1 when
anything was rejected and nothing was written.
"""

import os
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from profrost.core.imports import IMPORTERS, get_importer, run_import
from profrost.core.journal import journal
from profrost.core.models import JournalAction


class Command(BaseCommand):
    help = "Загрузка данных из XLSX/CSV: profrost import <вид> FILE (organizations, staff, programs, …)"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="только проверить и показать итог")
        parser.add_argument("--skip-invalid", action="store_true", help="загрузить только корректные строки")
        parser.add_argument("--user", help="логин: загрузка в пределах его области доступа")
        # What the importers need besides the file (their declared options): --name, --campaign, --cohort.
        for option in _options():
            parser.add_argument(f"--{option.name}", type=int if option.choices else str, help=option.help)

    def handle(self, kind, file, dry_run, skip_invalid, user, **options):
        account = None
        if user:
            account = get_user_model().objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(f"пользователь «{user}» не найден или отключён")

        def progress(done, total, stage):
            if options.get("verbosity", 1) > 1:
                self.stderr.write(f"{stage}: {done}/{total}")

        extra = {}
        for option in get_importer(kind).options:
            if not options.get(option.name):
                raise CommandError(f"укажите --{option.name}: {option.about}")
            extra[option.name] = options[option.name]
        if not os.path.isfile(file):
            raise CommandError(f"файл не найден: {file}")
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
        if result.created_id and (result.written or not result.errors):
            # An importer that creates one object (an instrument): scripts of the yearly cycle read its id alone
            # on the last line.
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


def _options():
    """Every option some importer declares, once by name."""
    found = {}
    for importer in IMPORTERS.values():
        for option in importer.options:
            found.setdefault(option.name, option)
    return found.values()
