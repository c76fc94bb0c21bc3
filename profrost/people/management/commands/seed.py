import time

from django.core.management.base import BaseCommand, CommandError

from profrost.people.seeding import RegionGenerator
from profrost.structure.models import Region


class Command(BaseCommand):
    help = "Сгенерировать реалистичный регион: округа, муниципалитеты, организации, педагоги"

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, people, seed, **options):
        if people < 100:
            raise CommandError("--people: не меньше 100")
        if Region.objects.exists():
            raise CommandError("в базе уже есть регион: генерация выполняется только в пустую базу")
        started = time.monotonic()
        counts = RegionGenerator(people, seed).run()
        self.stdout.write(
            f"Создано: муниципалитетов {counts['municipalities']}, организаций {counts['organizations']}, "
            f"педагогов {counts['people']} за {time.monotonic() - started:.1f} с"
        )
