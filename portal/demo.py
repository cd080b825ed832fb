"""The demo people of API.md, made idempotently. Dates are relative to today, so the
demo stays meaningful whatever day it is run."""

import datetime as dt
import hashlib
import hmac
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from oauth2_provider.models import get_application_model

from core import dates
from core.officers import officer_totp_enrol, totp_secret_b32
from nafath.models import Device, RelyingParty
from nafath.tokens import token_digest
from registry.models import (
    FamilyMember,
    Fine,
    HealthInsurance,
    Iqama,
    MedicalExam,
    NationalAddress,
    NationalIdCard,
    Office,
    Passport,
    Person,
)

PEOPLE = {
    # persona: (id_number, name_ar, name_en, birth, gender, nationality)
    "citizen_due": ("1000000008", "محمد عبدالله القحطاني", "Mohammed Abdullah Alqahtani", (1985, 3, 14), "M", "SAU"),
    "citizen_expired": ("1012345672", "فاطمة سعد العتيبي", "Fatimah Saad Alotaibi", (1990, 7, 2), "F", "SAU"),
    "citizen_not_due": ("1098765439", "خالد ناصر الدوسري", "Khalid Nasser Aldosari", (1978, 11, 30), "M", "SAU"),
    "citizen_no_address": ("1122334459", "نورة فهد الشهري", "Noura Fahad Alshehri", (1995, 1, 21), "F", "SAU"),
    "head_of_family": ("2000000006", "أحمد حسن محمود", "Ahmed Hassan Mahmoud", (1980, 5, 5), "M", "EGY"),
}
DEPENDENTS = {
    # persona: (iqama, name_ar, name_en, birth, gender, relation, first_wife)
    "wife_ok": ("2012345670", "منى علي إبراهيم", "Mona Ali Ibrahim", (1986, 2, 10), "F", "WIFE", True),
    "son_ok": ("2123456788", "يوسف أحمد حسن", "Youssef Ahmed Hassan", (2015, 9, 1), "M", "SON", True),
    "daughter_passport_expiring": ("2345678904", "سارة أحمد حسن", "Sara Ahmed Hassan", (2012, 4, 18), "F", "DAUGHTER", True),
    "son_no_insurance": ("2000000105", "عمر أحمد حسن", "Omar Ahmed Hassan", (2010, 12, 3), "M", "SON", True),
    "wife2_medical_required": ("2000000113", "هدى محمد سالم", "Huda Mohammed Salem", (1992, 8, 8), "F", "WIFE", False),
    "son_expired": ("2000000121", "كريم أحمد حسن", "Karim Ahmed Hassan", (2008, 6, 15), "M", "SON", True),
    "worker_domestic": ("2000000139", "ماريا سانتوس", "Maria Santos", (1991, 10, 10), "F", "DOMESTIC_WORKER", True),
}


def demo_device_token(persona: str) -> str:
    """Stable per persona and per SECRET_KEY, so a second seed_demo prints the same token."""
    return hmac.new(settings.SECRET_KEY.encode(), f"demo-device:{persona}".encode(), hashlib.sha256).hexdigest()


def demo_pin() -> str:
    return settings.DEMO_NAFATH_PIN


def _address(person, n, deliverable=True, city=("الرياض", "Riyadh")):
    NationalAddress.objects.update_or_create(
        person=person,
        short_address=f"RR{n:02d}{n * 7 % 10000:04d}"[:8],
        defaults=dict(
            building_number=f"{1000 + n}",
            street="طريق الملك فهد" if deliverable else "طريق صحراوي",
            district="العليا" if deliverable else "منطقة نائية",
            city=city[0],
            street_en="King Fahd Road" if deliverable else "Desert Road",
            district_en="Olaya" if deliverable else "Remote area",
            city_en=city[1],
            postal_code=f"{12200 + n:05d}",
            additional_number=f"{2000 + n}",
            deliverable=deliverable,
            is_primary=True,
        ),
    )


@transaction.atomic
def seed(*, officer: bool = False) -> dict:
    """The demo people (and, with `officer`, the demo officer: see demo_officer; seed_demo passes it
    only while DEBUG is on or when asked with --with-officer)."""
    today = dates.today()
    out = {"people": {}, "dependents": {}}
    people = {}
    for persona, (idn, ar, en, birth, gender, nat) in PEOPLE.items():
        p, _ = Person.objects.update_or_create(
            id_number=idn,
            defaults=dict(
                kind="citizen" if idn[0] == "1" else "resident",
                name_ar=ar,
                name_en=en,
                birth_date=dt.date(*birth),
                gender=gender,
                nationality=nat,
                mobile=f"05{idn[-8:]}",
                email=f"{persona}@example.com",
                fingerprint_on_file=True,
            ),
        )
        people[persona] = p
        token = demo_device_token(persona)
        Device.objects.update_or_create(
            token_digest=token_digest(token),
            defaults=dict(
                person=p,
                label="Demo Nafath app",
                pin_hash=make_password(demo_pin()),
                revoked_at=None,
                status=Device.Status.ACTIVE,
                activated_at=dt.datetime.now(dt.UTC),
                pin_failures=0,
                locked_until=None,
            ),
        )
        out["people"][persona] = {"id_number": idn, "device_token": token, "nafath_pin": demo_pin()}

    expiry = {"citizen_due": 60, "citizen_expired": -30, "citizen_not_due": 400, "citizen_no_address": 45}
    for persona, days in expiry.items():
        p = people[persona]
        NationalIdCard.objects.update_or_create(
            person=p,
            status=NationalIdCard.Status.ACTIVE,
            defaults=dict(
                issue_date=today + dt.timedelta(days=days) - dt.timedelta(days=3652), expiry_date=today + dt.timedelta(days=days)
            ),
        )
    for i, persona in enumerate(["citizen_due", "citizen_expired", "citizen_not_due", "head_of_family"], start=1):
        _address(people[persona], i)
    _address(people["citizen_no_address"], 9, deliverable=False)
    Fine.objects.update_or_create(
        reference="CAF-000101",
        defaults=dict(
            person=people["citizen_expired"],
            kind=Fine.Kind.CIVIL_AFFAIRS,
            description_ar="تأخر في تحديث بيانات الهوية",
            description_en="Late update of ID data",
            amount=Decimal("150.00"),
            issued_on=today - dt.timedelta(days=20),
        ),
    )
    Fine.objects.update_or_create(
        reference="TV-7700101",
        defaults=dict(
            person=people["citizen_not_due"],
            kind=Fine.Kind.TRAFFIC,
            description_ar="تجاوز السرعة المحددة",
            description_en="Speeding",
            amount=Decimal("300.00"),
            issued_on=today - dt.timedelta(days=12),
        ),
    )
    for name_ar, name_en, city_ar, city_en in [
        ("الأحوال المدنية — فرع العليا", "Civil Affairs — Olaya branch", "الرياض", "Riyadh"),
        ("الأحوال المدنية — فرع الروضة", "Civil Affairs — Rawdah branch", "جدة", "Jeddah"),
        ("الأحوال المدنية — فرع الخبر", "Civil Affairs — Khobar branch", "الخبر", "Khobar"),
    ]:
        Office.objects.update_or_create(name_en=name_en, defaults=dict(name_ar=name_ar, city_ar=city_ar, city_en=city_en))

    head = people["head_of_family"]
    Iqama.objects.update_or_create(
        person=head, defaults=dict(issue_date=today - dt.timedelta(days=165), expiry_date=today + dt.timedelta(days=200))
    )
    Passport.objects.update_or_create(
        person=head, number="A1000006", defaults=dict(issuing_country="EGY", expiry_date=today + dt.timedelta(days=1500))
    )
    HealthInsurance.objects.update_or_create(
        person=head, policy_number="POL-2000000006", defaults=dict(provider="Bupa Arabia", expiry_date=today + dt.timedelta(days=365))
    )

    for persona, (idn, ar, en, birth, gender, relation, first_wife) in DEPENDENTS.items():
        nat = "PHL" if relation == "DOMESTIC_WORKER" else "EGY"
        d, _ = Person.objects.update_or_create(
            id_number=idn,
            defaults=dict(
                kind="resident",
                name_ar=ar,
                name_en=en,
                birth_date=dt.date(*birth),
                gender=gender,
                nationality=nat,
                fingerprint_on_file=True,
                # son_expired turned 18: his proof of study is on file, so he renews without an officer.
                proof_of_study_on_file=persona == "son_expired",
                inside_kingdom=True,
                reported_absent=False,
            ),
        )
        iq_days = -10 if persona == "son_expired" else 25
        Iqama.objects.update_or_create(
            person=d,
            defaults=dict(
                issue_date=today + dt.timedelta(days=iq_days - 365), expiry_date=today + dt.timedelta(days=iq_days), late_renewal_count=0
            ),
        )
        Passport.objects.update_or_create(
            person=d,
            number=f"P{idn[-7:]}",
            defaults=dict(
                issuing_country=nat, expiry_date=today + dt.timedelta(days=30 if persona == "daughter_passport_expiring" else 1200)
            ),
        )
        if persona == "son_no_insurance":
            HealthInsurance.objects.filter(person=d).delete()
        else:
            HealthInsurance.objects.update_or_create(
                person=d, policy_number=f"POL-{idn}", defaults=dict(provider="Bupa Arabia", expiry_date=today + dt.timedelta(days=500))
            )
        if persona == "wife2_medical_required":
            MedicalExam.objects.update_or_create(person=d, defaults=dict(result=MedicalExam.Result.REQUIRED))
        member, _ = FamilyMember.objects.update_or_create(person=d, defaults=dict(head=head, relation=relation, is_first_wife=first_wife))
        out["dependents"][persona] = {"id": member.pk, "iqama_number": idn}

    if officer:
        out["officer"] = demo_officer()
    out["relying_party"] = demo_relying_party()
    return out


def demo_officer() -> dict:
    """The demo officer `officer` with his authenticator (the admin asks for a TOTP code). Its
    password is DEMO_OFFICER_PASSWORD (a published default only while DEBUG is on), else a random
    one; while DEBUG is on the TOTP secret is derived from SECRET_KEY (the same on every re-seed, so
    an authenticator app enrolled once keeps working), else random. Both are returned once, when
    made; a re-seed keeps an existing officer as he is."""
    officer, created = User.objects.get_or_create(username="officer", defaults=dict(is_staff=True, is_superuser=True))
    out = {"username": "officer"}
    if created:
        password = settings.DEMO_OFFICER_PASSWORD or secrets.token_urlsafe(12)
        officer.set_password(password)
        officer.save()
        out["password"] = password
    device = officer.totpdevice_set.filter(name="demo").first()
    if device is None:
        key = hmac.new(settings.SECRET_KEY.encode(), b"demo-officer-totp", hashlib.sha256).hexdigest()[:40] if settings.DEBUG else None
        device = officer_totp_enrol(user=officer, name="demo", key_hex=key)
    if settings.DEBUG or created:
        out.update(totp_secret=totp_secret_b32(device), otpauth_url=device.config_url)
    return out


DEMO_RP_CLIENT_ID = "sample-relying-party"
DEMO_RP_BASE = "http://127.0.0.1:8001"


def demo_relying_party() -> dict:
    """The sample relying party of examples/relying_party, registered once for 127.0.0.1:8001.
    Its secret is derived from SECRET_KEY (stored hashed, printed by `seed_demo --json`)."""
    secret = hmac.new(settings.SECRET_KEY.encode(), b"demo-relying-party", hashlib.sha256).hexdigest()
    Application = get_application_model()
    app = Application.objects.filter(client_id=DEMO_RP_CLIENT_ID).first()
    if app is None:
        app = Application.objects.create(
            client_id=DEMO_RP_CLIENT_ID,
            client_secret=secret,
            name="Sample Ministry Portal",
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=f"{DEMO_RP_BASE}/callback/",
            post_logout_redirect_uris=f"{DEMO_RP_BASE}/signed-out/",
            algorithm=Application.RS256_ALGORITHM,
        )
        RelyingParty.objects.create(
            application=app,
            name_ar="بوابة الوزارة التجريبية",
            name_en="Sample Ministry Portal",
            allowed_scopes="openid profile national_id",
        )
    return {"client_id": DEMO_RP_CLIENT_ID, "client_secret": secret, "redirect_uri": f"{DEMO_RP_BASE}/callback/"}
