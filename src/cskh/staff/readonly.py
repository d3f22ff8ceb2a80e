"""The base of the back-office's records."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: seen, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
