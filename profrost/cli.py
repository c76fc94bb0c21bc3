"""The `profrost` console command: Django's manage.py under our name."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "profrost.settings")
    # Django reads DJANGO_SETTINGS_MODULE when its management module is imported: only after the line above.
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
