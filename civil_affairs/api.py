"""REST API of the national ID renewal (API.md, civil-affairs section). Serializers render every
answer (`OutputSerializer(obj).data`), so the served schema is the contract; the payment is
payments' one PaymentOutputSerializer, nested."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from civil_affairs import selectors, services
from civil_affairs.models import IdRenewal
from core.api import client_ip
from core.dates import api_date
from payments.api import PaymentOutputSerializer


# --- nested shapes ---------------------------------------------------------------------------
class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()

    class Meta:
        ref_name = "IdRenewalReason"


class DateSerializer(serializers.Serializer):
    """A date as {"gregorian", "hijri"} (core.dates.api_date)."""

    gregorian = serializers.CharField()
    hijri = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "IdRenewalDate"

    def to_representation(self, value):
        return api_date(value)


@extend_schema_field({"type": "string", "nullable": True})
class BlankAsNullField(serializers.CharField):
    """A text the model keeps as "" when unset, rendered as null."""

    def to_representation(self, value):
        return value or None


class CheckReasonSerializer(serializers.Serializer):
    """A stored reason of the photo check, its message rendered in the active language."""

    code = serializers.CharField(default="")
    message = serializers.SerializerMethodField()

    class Meta:
        ref_name = "IdRenewalCheckReason"

    def get_message(self, reason: dict) -> str:
        return services.reason_message(reason.get("code", ""), reason.get("message", ""))


class FaceMatchSerializer(serializers.Serializer):
    decision = serializers.CharField(source="face_decision", help_text="MATCH, REVIEW or NO_MATCH")
    distance = serializers.SerializerMethodField()

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance(self, renewal: IdRenewal) -> float | None:
        return None if renewal.face_distance is None else round(renewal.face_distance, 4)

    def to_representation(self, renewal):
        return super().to_representation(renewal) if renewal.face_decision else None


class PhotoCheckSerializer(serializers.Serializer):
    status = serializers.CharField(source="check_status", help_text="PENDING, PASSED or FAILED")
    reasons = CheckReasonSerializer(many=True, source="check_reasons")
    face_match = FaceMatchSerializer(source="*", allow_null=True)


class DeliveryAddressSerializer(serializers.Serializer):
    # City and district in the request's language (Accept-Language), like offices' names.
    short_address = serializers.CharField()
    city = serializers.CharField(source="city_name")
    district = serializers.CharField(source="district_name")
    postal_code = serializers.CharField()

    class Meta:
        ref_name = "IdRenewalDeliveryAddress"


class DeliveryOfficeSerializer(serializers.Serializer):
    name = serializers.CharField()
    city = serializers.CharField()

    class Meta:
        ref_name = "IdRenewalDeliveryOffice"


class DeliverySerializer(serializers.Serializer):
    """How the person receives the card; null until chosen."""

    method = serializers.CharField(source="delivery_method", help_text="POST or PICKUP")
    address_id = serializers.IntegerField(allow_null=True)
    office_id = serializers.IntegerField(allow_null=True)
    address = DeliveryAddressSerializer(allow_null=True)
    office = DeliveryOfficeSerializer(allow_null=True)

    class Meta:
        ref_name = "IdRenewalDeliveryDetail"

    def to_representation(self, renewal):
        return super().to_representation(renewal) if renewal.delivery_method else None


class CardSerializer(serializers.Serializer):
    version = serializers.IntegerField(source="card_version")
    issue_date = DateSerializer()
    expiry_date = DateSerializer()

    class Meta:
        ref_name = "IdRenewalCard"


class HistorySerializer(serializers.Serializer):
    status = serializers.CharField(source="to_status")
    at = serializers.DateTimeField()

    class Meta:
        ref_name = "IdRenewalHistory"


class RenewalDetailSerializer(serializers.Serializer):
    """GET /civil-affairs/id-renewals/{id}/ (API.md); `delivery`, `payment` and `card` are null until set.
    The page's live status (status.json) renders the same."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField(help_text=", ".join(IdRenewal.Status.values))
    status_display = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    late_fine = serializers.DecimalField(max_digits=10, decimal_places=2)
    photo_check = PhotoCheckSerializer(source="*")
    delivery = DeliverySerializer(source="*", allow_null=True)
    payment = PaymentOutputSerializer(allow_null=True, help_text="the payment as /api/v1/payments/{id}/ returns it")
    card = CardSerializer(source="new_card", allow_null=True)
    decision_reason = BlankAsNullField(allow_null=True)
    history = HistorySerializer(many=True, source="events")

    class Meta:
        ref_name = "IdRenewalDetail"


def renewal_output(renewal: IdRenewal) -> dict:
    """The request as API.md describes it: the detail, delivery and cancel answers and the page's live status."""
    return RenewalDetailSerializer(renewal).data


# --- endpoints --------------------------------------------------------------------------------
class EligibilityApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class UnpaidFineSerializer(serializers.Serializer):
            reference = serializers.CharField()
            reason = serializers.CharField(source="description")
            amount = serializers.DecimalField(max_digits=10, decimal_places=2)

            class Meta:
                ref_name = "IdRenewalUnpaidFine"

        eligible = serializers.BooleanField()
        reasons = ReasonSerializer(many=True)
        id_expiry = DateSerializer(allow_null=True)
        days_to_expiry = serializers.IntegerField(allow_null=True)
        late_fine = serializers.DecimalField(max_digits=10, decimal_places=2)
        unpaid_fines = UnpaidFineSerializer(many=True)

        class Meta:
            ref_name = "IdRenewalEligibility"

    @extend_schema(responses=OutputSerializer, operation_id="id_renewal_eligibility")
    def get(self, request):
        return Response(self.OutputSerializer(selectors.renewal_eligibility(person=request.user)).data)


class RenewalListCreateApi(APIView):
    """GET: the person's renewals. POST (multipart `photo`): start one; 202, the check runs in a worker."""

    class InputSerializer(serializers.Serializer):
        photo = serializers.FileField(allow_empty_file=True)  # an empty file is INVALID_IMAGE (the service says)
        source = serializers.ChoiceField(choices=IdRenewal.PhotoSource.values, required=False, default=IdRenewal.PhotoSource.UPLOAD)
        captured_at = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="when the camera took it")

        class Meta:
            ref_name = "IdRenewalCreate"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        reference = serializers.CharField()
        status = serializers.CharField()

        class Meta:
            ref_name = "IdRenewalCreated"

    class ListOutputSerializer(serializers.Serializer):
        class ItemSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            reference = serializers.CharField()
            status = serializers.CharField()
            created_at = serializers.DateTimeField()

            class Meta:
                ref_name = "IdRenewalListItem"

        renewals = ItemSerializer(many=True)

        class Meta:
            ref_name = "IdRenewalList"

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={202: OutputSerializer}, operation_id="id_renewal_create")
    def post(self, request):
        ser = self.InputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        renewal = services.renewal_create(
            person=request.user, photo_data=d["photo"].read(), ip=client_ip(request), source=d["source"], captured_at=d["captured_at"]
        )
        return Response(self.OutputSerializer(renewal).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(operation_id="id_renewal_list", responses=ListOutputSerializer)
    def get(self, request):
        return Response(self.ListOutputSerializer({"renewals": selectors.renewal_list_for_person(person=request.user)}).data)


class QuickCheckOutputSerializer(serializers.Serializer):
    """The live guidance's answer: did the frame pass every quality rule, why not, and the
    one short hint to show first (`hint`, or "ready" when it passed). Nothing is stored."""

    class HintSerializer(serializers.Serializer):
        code = serializers.CharField()
        message = serializers.CharField()

        class Meta:
            ref_name = "PhotoQuickCheckHint"

    passed = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)
    hints = HintSerializer(many=True)
    hint = serializers.SerializerMethodField()
    duration_ms = serializers.IntegerField()

    class Meta:
        ref_name = "PhotoQuickCheck"

    def get_hint(self, result) -> str:
        return result.hints[0].message if result.hints else str(services.QUICK_CHECK_READY)


class PhotoQuickCheckApi(APIView):
    """POST multipart `frame` (a small JPEG of the camera frame, about 480 px): detection and
    every quality rule, no face match; nothing stored, no attempt spent. Rate-limited (429)."""

    class InputSerializer(serializers.Serializer):
        frame = serializers.FileField(allow_empty_file=True)  # an empty file is INVALID_IMAGE

        class Meta:
            ref_name = "PhotoQuickCheckInput"

    OutputSerializer = QuickCheckOutputSerializer

    @extend_schema(
        request={"multipart/form-data": InputSerializer}, responses=QuickCheckOutputSerializer, operation_id="id_renewal_photo_quick_check"
    )
    def post(self, request):
        ser = self.InputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        result = services.renewal_photo_quick_check(person=request.user, data=ser.validated_data["frame"].read())
        return Response(self.OutputSerializer(result).data)


class RenewalDetailApi(APIView):
    @extend_schema(operation_id="id_renewal_detail", responses=RenewalDetailSerializer)
    def get(self, request, pk):
        return Response(renewal_output(selectors.renewal_get_for_person(person=request.user, renewal_id=pk)))


class RenewalDeliveryApi(APIView):
    class InputSerializer(serializers.Serializer):
        method = serializers.CharField(help_text="POST (delivery to a national address) or PICKUP (at an office)")
        address_id = serializers.IntegerField(required=False, allow_null=True)
        office_id = serializers.IntegerField(required=False, allow_null=True)

        class Meta:
            ref_name = "IdRenewalDelivery"

        def validate_method(self, value):
            if value not in IdRenewal.Delivery.values:
                raise serializers.ValidationError(_("Choose POST or PICKUP."))
            return value

        def validate(self, attrs):
            if attrs["method"] == IdRenewal.Delivery.POST and not attrs.get("address_id"):
                raise serializers.ValidationError({"address_id": _("Choose an address.")})
            if attrs["method"] == IdRenewal.Delivery.PICKUP and not attrs.get("office_id"):
                raise serializers.ValidationError({"office_id": _("Choose an office.")})
            return attrs

    @extend_schema(request=InputSerializer, responses=RenewalDetailSerializer, operation_id="id_renewal_delivery")
    def post(self, request, pk):
        renewal = selectors.renewal_get_for_person(person=request.user, renewal_id=pk)
        ser = self.InputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        services.renewal_delivery_choose(
            person=request.user, renewal_id=renewal.pk, method=d["method"], address_id=d.get("address_id"), office_id=d.get("office_id")
        )
        return Response(renewal_output(selectors.renewal_get_for_person(person=request.user, renewal_id=renewal.pk)))


class RenewalCancelApi(APIView):
    @extend_schema(request=None, responses=RenewalDetailSerializer, operation_id="id_renewal_cancel")
    def post(self, request, pk):
        renewal = services.renewal_cancel(person=request.user, renewal_id=pk)
        return Response(renewal_output(selectors.renewal_get_for_person(person=request.user, renewal_id=renewal.pk)))


class AddressListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class AddressSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            short_address = serializers.CharField()
            building_number = serializers.CharField()
            # In the request's language (Accept-Language), like offices' names.
            street = serializers.CharField(source="street_name")
            city = serializers.CharField(source="city_name")
            district = serializers.CharField(source="district_name")
            postal_code = serializers.CharField()
            deliverable = serializers.BooleanField()

            class Meta:
                ref_name = "NationalAddress"

        addresses = AddressSerializer(many=True)

        class Meta:
            ref_name = "NationalAddressList"

    @extend_schema(responses=OutputSerializer, operation_id="address_list")
    def get(self, request):
        return Response(self.OutputSerializer({"addresses": selectors.address_list_for_person(person=request.user)}).data)


class OfficeListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class OfficeSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            name = serializers.CharField()
            city = serializers.CharField()

            class Meta:
                ref_name = "CivilAffairsOffice"

        offices = OfficeSerializer(many=True)

        class Meta:
            ref_name = "CivilAffairsOfficeList"

    @extend_schema(responses=OutputSerializer, operation_id="office_list")
    def get(self, request):
        return Response(self.OutputSerializer({"offices": selectors.office_list()}).data)
