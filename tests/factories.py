import datetime as dt
from decimal import Decimal

import factory

from core import dates
from core.idnumbers import luhn_check_digit
from registry.models import Fine, NationalAddress, Person


def _id_number(prefix: str, n: int) -> str:
    body = f"{prefix}{n:08d}"
    return body + luhn_check_digit(body)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.Sequence(lambda n: _id_number("1", 50_000_000 + n))
    kind = "citizen"
    name_ar = factory.Sequence(lambda n: f"مواطن {n}")
    name_en = factory.Sequence(lambda n: f"Citizen {n}")
    birth_date = dt.date(1988, 1, 15)
    gender = "M"
    nationality = "SAU"
    mobile = factory.Sequence(lambda n: f"05{n:08d}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    fingerprint_on_file = True


class ResidentFactory(PersonFactory):
    id_number = factory.Sequence(lambda n: _id_number("2", 50_000_000 + n))
    kind = "resident"
    nationality = "EGY"
    name_ar = factory.Sequence(lambda n: f"مقيم {n}")
    name_en = factory.Sequence(lambda n: f"Resident {n}")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NationalAddress

    person = factory.SubFactory(PersonFactory)
    building_number = "1234"
    street = "طريق الملك فهد"
    district = "العليا"
    city = "الرياض"
    street_en = "King Fahd Road"
    district_en = "Olaya"
    city_en = "Riyadh"
    postal_code = "12211"
    additional_number = "5678"
    short_address = factory.Sequence(lambda n: f"RAAA{n % 10000:04d}")
    deliverable = True


class TrafficViolationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fine

    kind = Fine.Kind.TRAFFIC
    person = factory.SubFactory(PersonFactory)
    reference = factory.Sequence(lambda n: f"TV-{n:07d}")
    description_ar = "تجاوز السرعة"
    description_en = "Speeding"
    amount = Decimal("300.00")
    issued_on = factory.LazyFunction(lambda: dates.today() - dt.timedelta(days=5))


class IdCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registry.NationalIdCard"

    person = factory.SubFactory(PersonFactory)
    issue_date = factory.LazyFunction(lambda: dates.today() - dt.timedelta(days=3000))
    expiry_date = factory.LazyFunction(lambda: dates.today() + dt.timedelta(days=60))
    status = "ACTIVE"


class CivilFineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fine

    kind = Fine.Kind.CIVIL_AFFAIRS
    person = factory.SubFactory(PersonFactory)
    reference = factory.Sequence(lambda n: f"CAF-{n:06d}")
    description_ar = "مخالفة"
    description_en = "Violation"
    amount = Decimal("150.00")
    issued_on = factory.LazyFunction(lambda: dates.today() - dt.timedelta(days=5))


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registry.Office"

    name_ar = factory.Sequence(lambda n: f"مكتب {n}")
    name_en = factory.Sequence(lambda n: f"Office {n}")
    city_ar = "الرياض"
    city_en = "Riyadh"


class IqamaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registry.Iqama"

    person = factory.SubFactory(ResidentFactory)
    issue_date = factory.LazyFunction(lambda: dates.today() - dt.timedelta(days=300))
    expiry_date = factory.LazyFunction(lambda: dates.today() + dt.timedelta(days=60))
    late_renewal_count = 0


class PassportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registry.Passport"

    person = factory.SubFactory(ResidentFactory)
    number = factory.Sequence(lambda n: f"P{n:07d}")
    issuing_country = "EGY"
    expiry_date = factory.LazyFunction(lambda: dates.today() + dt.timedelta(days=1000))


class InsuranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registry.HealthInsurance"

    person = factory.SubFactory(ResidentFactory)
    provider = "Bupa Arabia"
    policy_number = factory.Sequence(lambda n: f"POL-{n:06d}")
    expiry_date = factory.LazyFunction(lambda: dates.today() + dt.timedelta(days=500))


class FamilyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "registry.FamilyMember"

    head = factory.SubFactory(ResidentFactory)
    person = factory.SubFactory(ResidentFactory)
    relation = "WIFE"
    is_first_wife = True
