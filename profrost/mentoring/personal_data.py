"""A person's part in mentoring as personal data (people.personal_data): the programs they curate, the pairs and
groups they are in with their plans. The pairs stay (they are the organization's records and the monitoring's
counts); on erasure the person's own words go — a mentee's reflection and task comments, a mentor's final
assessment and comments — with the history snapshots that hold them (docs/mentoring.md §11)."""

from profrost.mentoring.models import (
    MemberRole,
    MentoringProgramEvent,
    Mentorship,
    MentorshipEvent,
    PlanTask,
    PlanTaskEvent,
)
from profrost.people.personal_data import plain, register


def _export(person):
    pairs = (
        Mentorship.objects.filter(members__person=person)
        .distinct()
        .select_related("organization", "mentor_organization")
        .prefetch_related("members__person", "tasks", "competences")
    )
    out = []
    for m in pairs:
        role = next(x.role for x in m.members.all() if x.person_id == person.pk)
        out.append(
            {
                "форма": m.get_form_display(),
                "роль": MemberRole(role).label,
                "организация": str(m.organization),
                "участники": [x.person.full_name for x in m.members.all() if x.person_id != person.pk],
                "компетенции": [str(c) for c in m.competences.all()],
                "направления": m.directions,
                "с": plain(m.start),
                "по": plain(m.end),
                "статус": m.get_status_display(),
                "причина досрочного завершения": m.end_reason,
                "итоговая оценка наставника": m.final_assessment,
                "рефлексия наставляемого": m.reflection,
                "задачи": [
                    {
                        "задача": t.title,
                        "срок": plain(t.due),
                        "отметка наставляемого": t.get_mentee_mark_display(),
                        "комментарий наставляемого": t.mentee_comment,
                        "отметка наставника": t.get_mentor_mark_display(),
                        "комментарий наставника": t.mentor_comment,
                    }
                    for t in m.tasks.all()
                ],
            }
        )
    return {
        "наставничество": out,
        "курирует программы": [
            {"программа": p.title, "с": plain(p.start), "по": plain(p.end)}
            for p in person.curated_mentoring_programs.all()
        ],
    }


def _erase(person):
    as_mentee = Mentorship.objects.filter(members__person=person, members__role=MemberRole.MENTEE)
    as_mentor = Mentorship.objects.filter(members__person=person, members__role=MemberRole.MENTOR)
    PlanTask.objects.filter(mentorship__in=as_mentee).update(mentee_comment="")
    PlanTask.objects.filter(mentorship__in=as_mentor).update(mentor_comment="")
    as_mentee.update(reflection="")
    as_mentor.update(final_assessment="")
    ids = list(as_mentee.values_list("pk", flat=True)) + list(as_mentor.values_list("pk", flat=True))
    MentorshipEvent.objects.filter(pgh_obj_id__in=ids).delete()
    PlanTaskEvent.objects.filter(mentorship_id__in=ids).delete()
    MentoringProgramEvent.objects.filter(curator_id=person.pk).delete()


register(
    "mentoring",
    65,
    "наставничество",
    _export,
    _erase,
    ["mentoring.mentorshipmember", "mentoring.mentoringprogram", "mentoring.mentoringprogramevent"],
)
