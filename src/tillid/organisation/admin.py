from django.contrib import admin

from tillid.organisation.models import JobFunctionRole


@admin.register(JobFunctionRole)
class JobFunctionRoleAdmin(admin.ModelAdmin):
    list_display = ("privilege", "role", "whole_organisation")
    list_filter = ("role", "whole_organisation")
    search_fields = ("privilege",)
