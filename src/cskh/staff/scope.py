"""What a staff account may see: its unit and everything under it."""

from django.contrib import admin
from django.db.models import QuerySet

from cskh.customers.models import Customer, Unit


def unit_of(user) -> Unit | None:
    membership = getattr(user, "staff_membership", None)
    return membership.unit if membership else None


def sees_everything(user) -> bool:
    return user.is_superuser


def units_for(user) -> QuerySet[Unit]:
    if sees_everything(user):
        return Unit.objects.all()
    unit = unit_of(user)
    if unit is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=unit.path)


def customers_for(user) -> QuerySet[Customer]:
    if sees_everything(user):
        return Customer.objects.all()
    unit = unit_of(user)
    if unit is None:
        return Customer.objects.none()
    return Customer.objects.filter(unit__path__startswith=unit.path)


class ScopedFormAdmin(admin.ModelAdmin):
    """An admin whose form takes the staff member (`user=`) to limit its choices to the
    staff member's unit."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class ScopedForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return ScopedForm
