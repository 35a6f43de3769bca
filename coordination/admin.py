from django.contrib import admin

from .models import CoordinatorScope


@admin.register(CoordinatorScope)
class CoordinatorScopeAdmin(admin.ModelAdmin):
    list_display = ["user", "national"]
    list_filter = ["national"]
    search_fields = ["user__username"]
    filter_horizontal = ["regions"]
    autocomplete_fields = ["user"]
