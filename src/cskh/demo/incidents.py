"""A demo incident report of the demo account, being handled."""

from django.utils import timezone

from cskh.accounts.models import User
from cskh.incidents import services
from cskh.incidents.models import Incident, Kind, Status


def ensure_incident() -> None:
    demo = User.objects.filter(phone="+84900000001").first()
    if demo is None or Incident.objects.filter(reporter=demo).exists():
        return
    incident = services.report(
        reporter=demo,
        report=services.Report(
            kind=Kind.SAFETY_HAZARD,
            customer_code="PE01000000001",
            address="",
            province="",
            latitude=None,
            longitude=None,
            description="Dây điện bị võng thấp sát mái tôn trước nhà sau cơn mưa lớn.",
            contact_phone=demo.phone,
        ),
        photos=[],
        now=timezone.now(),
    )
    services.change_status(
        incident=incident,
        status=Status.IN_PROGRESS,
        note="Đội xử lý sự cố Điện lực Sài Gòn đang đến hiện trường.",
        by=None,
        now=timezone.now(),
    )
