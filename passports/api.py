"""REST API of the family iqama renewal (API.md, passports section). Every answer is rendered by
an output serializer (`OutputSerializer(obj).data`), so the OpenAPI schema is the contract; the
renewal's payment is payments' one payment shape."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import client_ip
from core.dates import api_date
from passports import selectors, services
from passports.models import IqamaRenewal
from passports.services.eligibility import assess, check_from_json
from passports.services.fees import FEE_ROWS
from passports.services.renewal import parse_months
from payments.api import PaymentOutputSerializer

MONEY = {"max_digits": 12, "decimal_places": 2}


# --- shapes shared by the answers ----------------------------------------------------------
@extend_schema_serializer(component_name="IqamaDualDate")
class DualDateSerializer(serializers.Serializer):
    """The API's date: {"gregorian": "2026-11-22", "hijri": "1448-06-02"} (null when there is none)."""

    gregorian = serializers.DateField()
    hijri = serializers.CharField()

    def to_representation(self, instance):
        return api_date(instance)


@extend_schema_serializer(component_name="IqamaPersonName")
class NameSerializer(serializers.Serializer):
    ar = serializers.CharField(source="name_ar")
    en = serializers.CharField(source="name_en")


@extend_schema_serializer(component_name="IqamaRenewalCheck")
class CheckSerializer(serializers.Serializer):
    """One condition (passports.services.eligibility.Check), rendered in the active language."""

    code = serializers.CharField()
    passed = serializers.BooleanField(help_text="false: the dependent cannot be renewed now")
    review = serializers.BooleanField(help_text="true: not met, but not blocking: an officer decides after payment")
    message = serializers.CharField()
    fix = serializers.CharField()
    fix_url = serializers.CharField()


class StoredChecksField(serializers.ListField):
    """Checks stored as [{"code", "passed", "params"}] on an item, rendered like live ones."""

    child = CheckSerializer()

    def to_representation(self, data):
        return super().to_representation([check_from_json(c) for c in data])


@extend_schema_serializer(component_name="IqamaFeeItem")
class FeeItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)


@extend_schema_serializer(component_name="IqamaFees")
class FeesSerializer(serializers.Serializer):
    """A quote (passports.services.fees.Quote) or an item as billed (IqamaRenewalItem.fees): fee items and total."""

    items = FeeItemSerializer(many=True)
    total = serializers.DecimalField(**MONEY)


@extend_schema_serializer(component_name="IqamaFeeRow")
class FeeRowSerializer(serializers.Serializer):
    """The row of the iqama fee table that priced IQAMA_FEE (passports.services.fees.FEE_ROWS)."""

    code = serializers.ChoiceField(source="fee_row", choices=list(FEE_ROWS))
    label = serializers.CharField(source="fee_row_label")
    per_year = serializers.DecimalField(source="fee_per_year", **MONEY)


@extend_schema_serializer(component_name="IqamaDependent")
class DependentSerializer(serializers.Serializer):
    """A FamilyMember from selectors.dependent_list_for_head (expiries annotated)."""

    id = serializers.IntegerField()
    iqama_number = serializers.CharField(source="person.id_number")
    name = NameSerializer(source="person")
    relation = serializers.CharField()
    category = serializers.CharField()
    iqama_expiry = DualDateSerializer(source="person.iqama.expiry_date", allow_null=True)
    passport_expiry = DualDateSerializer(allow_null=True)
    insurance_expiry = DualDateSerializer(allow_null=True)


@extend_schema_serializer(component_name="IqamaRenewalItem")
class RenewalItemSerializer(serializers.Serializer):
    """One dependent of a request: the period, the expiry before and after, the fees billed, and the
    checks (after payment when they ran, else at submit)."""

    dependent_id = serializers.IntegerField(source="member_id")
    iqama_number = serializers.CharField(source="member.person.id_number")
    name = NameSerializer(source="member.person")
    months = serializers.IntegerField()
    old_expiry = DualDateSerializer()
    new_expiry = DualDateSerializer()
    iqama_expiry = DualDateSerializer(source="member.person.iqama.expiry_date", allow_null=True)
    fees = FeesSerializer()
    checks = StoredChecksField(source="shown_checks")


@extend_schema_serializer(component_name="IqamaRenewalHistoryEntry")
class HistorySerializer(serializers.Serializer):
    status = serializers.CharField(source="to_status")
    action = serializers.CharField()
    at = serializers.DateTimeField()
    note = serializers.CharField()


@extend_schema_serializer(component_name="IqamaRenewal")
class RenewalOutputSerializer(serializers.Serializer):
    """A request as its head sees it (from selectors.renewal_get_for_head / renewal_list_for_head)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=IqamaRenewal.Status.values)
    status_display = serializers.CharField(source="get_status_display")
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    items = RenewalItemSerializer(many=True)
    total = serializers.DecimalField(**MONEY)
    payment = PaymentOutputSerializer(allow_null=True)
    stop_reason = serializers.CharField(source="shown_stop_reason")
    decision_reason = serializers.CharField()
    history = HistorySerializer(many=True, source="events")


# --- views -----------------------------------------------------------------------------------
class DependentListApi(APIView):
    @extend_schema_serializer(component_name="IqamaDependentList")
    class OutputSerializer(serializers.Serializer):
        dependents = DependentSerializer(many=True)

    @extend_schema(responses=OutputSerializer, tags=["passports"])
    def get(self, request):
        return Response(self.OutputSerializer({"dependents": selectors.dependent_list_for_head(head=request.user)}).data)


class QuoteApi(APIView):
    @extend_schema_serializer(component_name="IqamaRenewalQuote")
    class OutputSerializer(serializers.Serializer):
        """An Assessment (passports.services.eligibility): every check and the quote."""

        dependent_id = serializers.IntegerField(source="member.pk")
        months = serializers.IntegerField()
        eligible = serializers.BooleanField()
        needs_review = serializers.BooleanField()
        checks = CheckSerializer(many=True)
        old_expiry = DualDateSerializer(source="quote.old_expiry")
        new_expiry = DualDateSerializer(source="quote.new_expiry")
        late = serializers.BooleanField(source="quote.late")
        fees = FeesSerializer(source="quote")
        iqama_fee_row = FeeRowSerializer(source="quote")

    @extend_schema(responses=OutputSerializer, tags=["passports"])
    def get(self, request, dependent_id):
        member = selectors.dependent_get_for_head(head=request.user, dependent_id=dependent_id)
        months = parse_months(request.query_params.get("months"))
        return Response(self.OutputSerializer(assess(member=member, months=months)).data)


class RenewalListCreateApi(APIView):
    @extend_schema_serializer(component_name="IqamaRenewalCreate")
    class InputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="IqamaRenewalCreateItem")
        class ItemSerializer(serializers.Serializer):
            dependent_id = serializers.IntegerField()
            months = serializers.IntegerField()

        items = ItemSerializer(many=True, allow_empty=False)
        idempotency_key = serializers.CharField(required=False, max_length=64, allow_blank=False)

    @extend_schema_serializer(component_name="IqamaRenewalList")
    class ListOutputSerializer(serializers.Serializer):
        renewals = RenewalOutputSerializer(many=True)

    @extend_schema(responses=ListOutputSerializer, tags=["passports"], operation_id="passports_iqama_renewals_list")
    def get(self, request):
        return Response(self.ListOutputSerializer({"renewals": selectors.renewal_list_for_head(head=request.user)}).data)

    @extend_schema(request=InputSerializer, responses={201: RenewalOutputSerializer}, tags=["passports"])
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        key = s.validated_data.get("idempotency_key") or request.headers.get("Idempotency-Key") or None
        renewal = services.renewal_submit(head=request.user, items=s.validated_data["items"], idempotency_key=key, ip=client_ip(request))
        renewal = selectors.renewal_get_for_head(head=request.user, renewal_id=renewal.pk)
        return Response(RenewalOutputSerializer(renewal).data, status=status.HTTP_201_CREATED)


class RenewalDetailApi(APIView):
    @extend_schema(responses=RenewalOutputSerializer, tags=["passports"])
    def get(self, request, pk):
        return Response(RenewalOutputSerializer(selectors.renewal_get_for_head(head=request.user, renewal_id=pk)).data)


class RenewalCancelApi(APIView):
    @extend_schema(request=None, responses=RenewalOutputSerializer, tags=["passports"])
    def post(self, request, pk):
        renewal = selectors.renewal_get_for_head(head=request.user, renewal_id=pk)
        services.renewal_cancel(renewal_id=renewal.pk, head=request.user, ip=client_ip(request))
        return Response(RenewalOutputSerializer(selectors.renewal_get_for_head(head=request.user, renewal_id=pk)).data)
