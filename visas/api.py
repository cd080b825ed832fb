"""REST API of exit/re-entry visas (API.md "Exit/re-entry visas"), under /api/v1/passports/visas/.
Every answer is rendered by an output serializer, so the OpenAPI schema is the contract; payments
nest payments' one payment shape."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import client_ip
from core.dates import api_date
from payments.api import PaymentOutputSerializer
from visas import selectors, services
from visas.flow import VISA
from visas.models import Visa
from visas.services.eligibility import assess, check_from_json
from visas.services.fees import TYPES, parse_months, parse_type

MONEY = {"max_digits": 12, "decimal_places": 2}


@extend_schema_serializer(component_name="VisaDualDate")
class DualDateSerializer(serializers.Serializer):
    """The API's date: {"gregorian": "2026-11-22", "hijri": "1448-06-02"}."""

    gregorian = serializers.DateField()
    hijri = serializers.CharField()

    def to_representation(self, instance):
        return api_date(instance)


@extend_schema_serializer(component_name="VisaPersonName")
class NameSerializer(serializers.Serializer):
    ar = serializers.CharField(source="name_ar")
    en = serializers.CharField(source="name_en")


@extend_schema_serializer(component_name="VisaTraveller")
class TravellerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    id_number = serializers.CharField()
    name = NameSerializer(source="*")


@extend_schema_serializer(component_name="VisaCheck")
class CheckSerializer(serializers.Serializer):
    """One condition (visas.services.eligibility.Check), in the active language."""

    code = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()
    fix = serializers.CharField()
    fix_url = serializers.CharField()


class StoredChecksField(serializers.ListField):
    child = CheckSerializer()

    def to_representation(self, data):
        return super().to_representation([check_from_json(c) for c in data])


@extend_schema_serializer(component_name="VisaFeeItem")
class FeeItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)


@extend_schema_serializer(component_name="VisaFees")
class FeesSerializer(serializers.Serializer):
    items = FeeItemSerializer(many=True)
    total = serializers.DecimalField(**MONEY)


@extend_schema_serializer(component_name="VisaHistoryEntry")
class HistorySerializer(serializers.Serializer):
    status = serializers.CharField(source="to_status")
    action = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField()


@extend_schema_serializer(component_name="VisaFine")
class FineSerializer(serializers.Serializer):
    reference = serializers.CharField()
    code = serializers.SerializerMethodField()
    amount = serializers.DecimalField(**MONEY)
    paid = serializers.BooleanField(source="is_paid")
    waived = serializers.SerializerMethodField()

    def get_code(self, fine) -> str:
        return "UNUSED_VISA_FINE"

    def get_waived(self, fine) -> bool:
        return fine.paid_by == "WAIVED"


@extend_schema_serializer(component_name="VisaExtension")
class ExtensionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    months = serializers.IntegerField()
    fee = serializers.DecimalField(**MONEY)
    status = serializers.CharField()
    valid_until_before = DualDateSerializer()
    valid_until_after = DualDateSerializer()
    payment = PaymentOutputSerializer()


@extend_schema_serializer(component_name="VisaApplicationRef")
class ApplicationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


@extend_schema_serializer(component_name="Visa")
class VisaOutputSerializer(serializers.Serializer):
    """A visa as the traveller or his head sees it (selectors.visa_get_for_person)."""

    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    person = TravellerSerializer()
    type = serializers.ChoiceField(choices=Visa.Type.values)
    months = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Visa.Status.values)
    status_display = serializers.CharField(source="get_status_display")
    version = serializers.IntegerField()
    fee = serializers.DecimalField(**MONEY)
    extension_fees = serializers.DecimalField(**MONEY)
    issued_at = serializers.DateTimeField(allow_null=True)
    use_by = DualDateSerializer(allow_null=True)
    valid_until = DualDateSerializer(allow_null=True)
    application = ApplicationRefSerializer()
    fine = FineSerializer(allow_null=True)
    actions = serializers.SerializerMethodField()
    checks = StoredChecksField(source="checks_at_submit")
    extensions = ExtensionSerializer(many=True)
    history = HistorySerializer(many=True, source="events")

    def get_actions(self, visa) -> list[str]:
        """What the table allows now (cancel, extend) for the traveller's side."""
        return [a for a in ("cancel", "extend") if VISA.can(visa, a)]


@extend_schema_serializer(component_name="VisaApplication")
class ApplicationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Visa.Status.values)
    created_at = serializers.DateTimeField()
    items = VisaOutputSerializer(many=True, source="visas")
    total = serializers.DecimalField(**MONEY)
    payment = PaymentOutputSerializer(allow_null=True)


# --- views -----------------------------------------------------------------------------------
class VisaListCreateApi(APIView):
    @extend_schema_serializer(component_name="VisaApplicationCreate")
    class InputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="VisaApplicationCreateItem")
        class ItemSerializer(serializers.Serializer):
            person_id = serializers.IntegerField()
            type = serializers.ChoiceField(choices=TYPES)
            months = serializers.IntegerField()

        items = ItemSerializer(many=True, allow_empty=False)
        idempotency_key = serializers.CharField(required=False, max_length=64, allow_blank=False)

    @extend_schema_serializer(component_name="VisaList")
    class ListOutputSerializer(serializers.Serializer):
        visas = VisaOutputSerializer(many=True)

    @extend_schema(responses=ListOutputSerializer, tags=["visas"], operation_id="passports_visas_list")
    def get(self, request):
        return Response(self.ListOutputSerializer({"visas": selectors.visa_list_for_person(person=request.user)}).data)

    @extend_schema(
        request=InputSerializer, responses={201: ApplicationOutputSerializer}, tags=["visas"], operation_id="passports_visas_create"
    )
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        key = s.validated_data.get("idempotency_key") or request.headers.get("Idempotency-Key") or None
        application = services.application_submit(
            person=request.user, items=s.validated_data["items"], idempotency_key=key, ip=client_ip(request)
        )
        application = selectors.application_get_for_person(person=request.user, application_id=application.pk)
        return Response(ApplicationOutputSerializer(application).data, status=status.HTTP_201_CREATED)


class VisaQuoteApi(APIView):
    @extend_schema_serializer(component_name="VisaQuote")
    class OutputSerializer(serializers.Serializer):
        """An Assessment (visas.services.eligibility): every check and the quote."""

        person_id = serializers.IntegerField(source="person.pk")
        type = serializers.CharField()
        months = serializers.IntegerField()
        eligible = serializers.BooleanField()
        checks = CheckSerializer(many=True)
        valid_until = DualDateSerializer(source="quote.valid_until")
        fees = FeesSerializer(source="quote")

    @extend_schema(
        responses=OutputSerializer,
        tags=["visas"],
        operation_id="passports_visas_quote",
        parameters=[
            OpenApiParameter("person_id", int, required=True, description="the caller's own person id (from /me/) or a dependent's"),
            OpenApiParameter("type", str, enum=list(TYPES), required=True),
            OpenApiParameter("months", int, required=True),
        ],
    )
    def get(self, request):
        traveller = selectors.traveller_get_for(person=request.user, person_id=request.query_params.get("person_id"))
        visa_type = parse_type(request.query_params.get("type"))
        months = parse_months(request.query_params.get("months"))
        return Response(self.OutputSerializer(assess(person=traveller, visa_type=visa_type, months=months)).data)


class VisaDetailApi(APIView):
    @extend_schema(responses=VisaOutputSerializer, tags=["visas"], operation_id="passports_visas_detail")
    def get(self, request, pk):
        return Response(VisaOutputSerializer(selectors.visa_get_for_person(person=request.user, visa_id=pk)).data)


class VisaCancelApi(APIView):
    @extend_schema(request=None, responses=VisaOutputSerializer, tags=["visas"], operation_id="passports_visas_cancel")
    def post(self, request, pk):
        visa = services.visa_cancel(person=request.user, visa_id=pk, ip=client_ip(request))
        return Response(VisaOutputSerializer(selectors.visa_get_for_person(person=request.user, visa_id=visa.pk)).data)


class VisaExtendApi(APIView):
    @extend_schema_serializer(component_name="VisaExtend")
    class InputSerializer(serializers.Serializer):
        months = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses=VisaOutputSerializer, tags=["visas"], operation_id="passports_visas_extend")
    def post(self, request, pk):
        selectors.visa_get_for_person(person=request.user, visa_id=pk)  # 404 first: no probing
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.visa_extend(person=request.user, visa_id=pk, months=s.validated_data["months"], ip=client_ip(request))
        return Response(VisaOutputSerializer(selectors.visa_get_for_person(person=request.user, visa_id=pk)).data)


class ApplicationDetailApi(APIView):
    @extend_schema(responses=ApplicationOutputSerializer, tags=["visas"], operation_id="passports_visa_applications_detail")
    def get(self, request, pk):
        return Response(ApplicationOutputSerializer(selectors.application_get_for_person(person=request.user, application_id=pk)).data)
