from django.utils.functional import Promise

from tillid.governance.models import Activity, Item, Review


def test_every_field_the_history_can_name_has_a_translated_name():
    """The item and review history lists changed fields by their verbose names;
    a field without one shows its code name in English ("minutes after")."""
    untranslated = [
        f"{model.__name__}.{field.name}"
        for model in (Item, Activity, Review)
        for field in model._meta.concrete_fields
        if not field.primary_key and not isinstance(field.verbose_name, Promise)
    ]
    assert not untranslated
