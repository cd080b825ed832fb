"""The payments API of API.md: list, detail, card (Idempotency-Key), the bank's SADAD
notifications."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsPerson
from payments import selectors, services
from payments.forms import clean_card_number, clean_cvv, clean_expiry
from payments.models import Payment


class PaymentItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ref_name = "PaymentItem"


class SadadBillSerializer(serializers.Serializer):
    biller_code = serializers.CharField()
    bill_number = serializers.CharField()
    due_at = serializers.DateTimeField()

    class Meta:
        ref_name = "SadadBill"


class PaymentOutputSerializer(serializers.Serializer):
    """The one payment shape of the API (API.md): every app that shows a payment nests this."""

    class Meta:
        ref_name = "Payment"

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Payment.Status.values)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    items = PaymentItemSerializer(many=True)
    sadad = SadadBillSerializer(source="*")
    method = serializers.CharField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    card_last4 = serializers.CharField(allow_null=True)
    refunded_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, payment):
        data = super().to_representation(payment)
        # Empty strings in the model are "not yet" in the API.
        data["method"] = data["method"] or None
        data["card_last4"] = data["card_last4"] or None
        return data


def payment_output(payment: Payment) -> dict:
    """The payment as the API renders it (stored with an Idempotency-Key for replays)."""
    return PaymentOutputSerializer(payment).data


class PaymentListApi(APIView):
    permission_classes = [IsPerson]

    class OutputSerializer(serializers.Serializer):
        payments = PaymentOutputSerializer(many=True)

        class Meta:
            ref_name = "PaymentList"

    @extend_schema(responses=OutputSerializer, operation_id="payments_list")
    def get(self, request):
        return Response(self.OutputSerializer({"payments": selectors.payment_list_for_person(person=request.user)}).data)


class PaymentDetailApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(responses=PaymentOutputSerializer, operation_id="payments_detail")
    def get(self, request, pk):
        return Response(PaymentOutputSerializer(selectors.payment_get_for_person(person=request.user, payment_id=pk)).data)


class PaymentCardApi(APIView):
    permission_classes = [IsPerson]

    class InputSerializer(serializers.Serializer):
        card_number = serializers.CharField(max_length=23)
        expiry_month = serializers.IntegerField(min_value=1, max_value=12)
        expiry_year = serializers.IntegerField(min_value=0, max_value=2100)
        cvv = serializers.CharField(max_length=4)

        class Meta:
            ref_name = "PaymentCard"

        def validate_card_number(self, value):
            return _django_to_drf(clean_card_number, value)

        def validate_cvv(self, value):
            return _django_to_drf(clean_cvv, value)

        def validate(self, data):
            try:
                clean_expiry(data["expiry_month"], data["expiry_year"])
            except ValidationError as e:
                raise serializers.ValidationError({"expiry_year": e.messages}) from None
            return data

    @extend_schema(
        request=InputSerializer,
        responses=PaymentOutputSerializer,
        operation_id="payments_card",
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
    )
    def post(self, request, pk):
        selectors.payment_get_for_person(person=request.user, payment_id=pk)  # 404 first: no probing
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        result = services.payment_pay_by_card(
            person=request.user,
            payment_id=pk,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            card_number=d["card_number"],
            expiry_month=d["expiry_month"],
            expiry_year=d["expiry_year"],
            cvv=d["cvv"],
            render=payment_output,
        )
        response = Response(result.body, status=result.status)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


def _django_to_drf(fn, value):
    try:
        return fn(value)
    except ValidationError as e:
        raise serializers.ValidationError(e.messages) from None


# The SADAD answer's own status (a named enum, apart from the payment's status).
@extend_schema_field({"type": "string", "enum": ["APPLIED", "ALREADY_APPLIED"]})
class _SadadResultField(serializers.CharField):
    pass


class SadadNotificationApi(APIView):
    """Called by the bank. No session or token: the HMAC signature over the raw body is the
    authentication (verified before the body is parsed)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        status = _SadadResultField()
        bill_number = serializers.CharField()
        payment_status = serializers.CharField(
            help_text="The payment's status after the notification (PENDING, PAID, FAILED, EXPIRED, REFUNDED)."
        )

        class Meta:
            ref_name = "SadadNotificationResult"

    @extend_schema(
        request=None,
        responses={200: OutputSerializer},
        operation_id="payments_sadad_notification",
        parameters=[OpenApiParameter("X-Sadad-Signature", str, OpenApiParameter.HEADER, required=True)],
    )
    def post(self, request):
        raw = request.body  # read before DRF parses it
        outcome = services.sadad_notification_receive(raw_body=raw, signature=request.headers.get("X-Sadad-Signature", ""))
        return Response(self.OutputSerializer(outcome).data, status=200)
