"""A person's part in the methodological asset as personal data (people.personal_data): their memberships of
the register and the asset members they were assigned to. The register and the assignments stay (they are the
region's records and its counts); the history snapshots of the person's rows go on erasure."""

from profrost.people.personal_data import plain, register
from profrost.support.models import (
    AssetMember,
    AssetMemberEvent,
    Assignment,
    AssignmentEvent,
    Consultation,
    LessonVisit,
    LessonVisitEvent,
)


def _export(person):
    return {
        "членство в активе": [
            {
                "статус": m.get_status_display(),
                "направления": m.direction_labels,
                "зона": [z.name for z in m.zone.all()],
                "форма привлечения": m.get_engagement_display(),
                "с": plain(m.start),
                "по": plain(m.end),
                "приказ": str(m.order) if m.order else "",
                "причина исключения": m.exclusion_reason,
            }
            for m in AssetMember.objects.filter(person=person)
            .select_related("order")
            .prefetch_related("zone")
        ],
        "закрепление за методистами": [
            {
                "методист": a.member.person.full_name,
                "направление": a.get_direction_display(),
                "с": plain(a.since),
                "по": plain(a.until),
            }
            for a in Assignment.objects.filter(person=person).select_related("member__person")
        ],
    }


def _erase(person):
    AssetMemberEvent.objects.filter(person_id=person.pk).delete()
    AssignmentEvent.objects.filter(person_id=person.pk).delete()


register(
    "support",
    60,
    "методический актив",
    _export,
    _erase,
    ["support.assetmember", "support.assetmemberevent", "support.assignment", "support.assignmentevent"],
)


def _visits_export(person):
    return {
        "посещения уроков": [
            {
                "дата": plain(v.date),
                "запланировано на": plain(v.planned_on),
                "организация": str(v.organization),
                "класс": v.grade,
                "тема": v.topic,
                "протокол": [
                    {
                        "компетенция": str(o.competence),
                        "уровень": o.get_level_display(),
                        "комментарий": o.comment,
                    }
                    for o in v.observations.all()
                ],
                "сильные стороны": v.strengths,
                "рекомендации": [r.text for r in v.recommendations.all()],
                "ознакомлен": plain(v.acknowledged_at),
            }
            for v in LessonVisit.objects.filter(person=person)
            .select_related("organization")
            .prefetch_related("observations__competence", "recommendations")
        ],
        "консультации": [
            {"дата": plain(c.date), "тема": c.topic, "вид": c.get_kind_display()}
            for c in Consultation.objects.filter(teachers=person)
        ],
    }


def _visits_erase(person):
    LessonVisitEvent.objects.filter(person_id=person.pk).delete()


register(
    "support_visits",
    61,
    "посещения уроков и консультации",
    _visits_export,
    _visits_erase,
    [
        "support.lessonvisit",
        "support.lessonvisitevent",
        "support.visitobservation",
        "support.visitrecommendation",
        "support.consultationteacher",
    ],
)
