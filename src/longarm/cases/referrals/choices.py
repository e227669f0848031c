from django.db import models
from django.utils.translation import gettext_lazy as _


class SupportType(models.TextChoices):
    LEGAL_AID = "legal_aid", _("Legal aid")
    IMMIGRATION_LAWYER = "immigration_lawyer", _("Immigration or asylum lawyer")
    MENTAL_HEALTH = "mental_health", _("Mental health support")
    DIGITAL_SECURITY = "digital_security", _("Digital security help")
    SOCIAL_SERVICES = "social_services", _("Social services or housing")
    COMMUNITY = "community", _("Community organisation")
    OTHER = "other", _("Other support")
