"""Staff roles as permission groups, kept in step with the code after every migrate.

What a staff member may do is its group's permissions; which rows it sees is its
unit (cskh.staff.scope)."""

from django.contrib.auth.models import Group, Permission

CUSTOMER_SERVICE = "Chăm sóc khách hàng"
UNIT_ADMIN = "Quản trị đơn vị"
CONTENT_EDITOR = "Biên tập nội dung"
OPERATOR = "Điều hành lưới điện"
SUPPORT_AGENT = "Hỗ trợ khách hàng"

NOTICES = [
    "notifications.view_notice",
    "notifications.add_notice",
    "notifications.change_notice",
    "notifications.delete_notice",
]

ROLES = {
    CUSTOMER_SERVICE: [
        "customers.view_customer",
        "customers.change_customer",
        "customers.view_meter",
        "customers.add_meter",
        "customers.change_meter",
        "customers.view_customerlink",
        "customers.view_unit",
        "customers.view_unithotline",
        "accounts.view_user",
        "staff.view_personaldataaccess",
    ],
    UNIT_ADMIN: [
        "customers.add_customer",
        "customers.add_unit",
        "customers.change_unit",
        "customers.add_unithotline",
        "customers.change_unithotline",
        "staff.view_staffmembership",
        "staff.add_staffmembership",
        "staff.change_staffmembership",
        "staff.delete_staffmembership",
    ],
}
OUTAGES = ["outages.view_outage", "outages.add_outage", "outages.change_outage"]
INCIDENTS = [
    "incidents.view_incident",
    "incidents.change_incident",
    "incidents.view_incidentnote",
    "incidents.add_incidentnote",
]
METER_DATA = [
    "metering.view_importbatch",
    "metering.view_rejectedrow",
    "metering.view_ingestkey",
    "metering.add_ingestkey",
    "metering.change_ingestkey",
    "metering.view_startindex",
    "metering.add_startindex",
    "metering.change_startindex",
    "metering.view_multiplierperiod",
    "metering.add_multiplierperiod",
    "metering.change_multiplierperiod",
]
TARIFFS = [  # national data: edited only by EVN's own staff (cskh.staff.tariffs)
    f"billing.{action}_{model}"
    for model in ("pricelist", "price", "vatrate", "touhourset", "touwindow", "tenantrule")
    for action in ("view", "add", "change", "delete")
]
INVOICES = ["billing.view_invoice", "billing.view_billrun", "billing.view_skippedcustomer"]
PAYMENTS = ["payments.view_payment", "payments.view_refund"]
RECONCILIATION = [  # money: the unit's administrators
    "payments.add_refund",
    "payments.view_collectingaccount",
    "payments.add_collectingaccount",
    "payments.change_collectingaccount",
    "payments.view_statement",
    "payments.add_statement",
    "payments.view_statementline",
]
ROLES[CUSTOMER_SERVICE] += INVOICES + PAYMENTS
ROLES[UNIT_ADMIN] = (
    ROLES[CUSTOMER_SERVICE]
    + ROLES[UNIT_ADMIN]
    + NOTICES
    + OUTAGES
    + INCIDENTS
    + METER_DATA
    + RECONCILIATION
    + ["billing.change_invoice"]  # issue a bill run's checked drafts
)
ROLES[OPERATOR] = ["customers.view_unit", "customers.view_customer", *OUTAGES, *INCIDENTS]
ROLES[SUPPORT_AGENT] = ["customers.view_unit", "customers.view_customer", *INCIDENTS]
ROLES[CONTENT_EDITOR] = ["customers.view_unit", *NOTICES, *TARIFFS]


def ensure_roles(**kwargs) -> None:
    """post_migrate receiver: create the groups and set exactly their permissions."""
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in (perm.split(".") for perm in codenames)
        ]
        group.permissions.set(permissions)
