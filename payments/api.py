"""The payments API of API.md: list, detail, card (Idempotency-Key), the bank's SADAD
notifications."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsPerson
from payments import selectors, services
from payments.forms import clean_card_number, clean_cvv, clean_expiry
from payments.models import Payment


def payment_output(payment: Payment) -> dict:
    return {
        "id": payment.pk,
        "reference": payment.reference,
        "status": payment.status,
        "amount": f"{payment.amount:.2f}",
        "currency": payment.currency,
        "items": [{"code": i.code, "description": i.description, "amount": f"{i.amount:.2f}"} for i in payment.items.all()],
        "sadad": {"biller_code": payment.biller_code, "bill_number": payment.bill_number, "due_at": payment.due_at.isoformat()},
        "method": payment.method or None,
        "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
        "card_last4": payment.card_last4 or None,
        "refunded_at": payment.refunded_at.isoformat() if payment.refunded_at else None,
    }


class PaymentOutputSerializer(serializers.Serializer):
    """For the schema: the shape payment_output returns."""

    class Meta:
        ref_name = "Payment"

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField(help_text="PENDING, PAID, FAILED, EXPIRED or REFUNDED")
    amount = serializers.CharField()
    currency = serializers.CharField()
    items = serializers.ListField(child=serializers.DictField())
    sadad = serializers.DictField()
    method = serializers.CharField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    card_last4 = serializers.CharField(allow_null=True)
    refunded_at = serializers.DateTimeField(allow_null=True)


class PaymentListApi(APIView):
    permission_classes = [IsPerson]

    class OutputSerializer(serializers.Serializer):
        payments = PaymentOutputSerializer(many=True)

        class Meta:
            ref_name = "PaymentList"

    @extend_schema(responses=OutputSerializer, operation_id="payments_list")
    def get(self, request):
        return Response({"payments": [payment_output(p) for p in selectors.payment_list_for_person(person=request.user)]})


class PaymentDetailApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(responses=PaymentOutputSerializer, operation_id="payments_detail")
    def get(self, request, pk):
        return Response(payment_output(selectors.payment_get_for_person(person=request.user, payment_id=pk)))


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
            except Exception as e:  # django ValidationError
                raise serializers.ValidationError({"expiry_year": [str(m) for m in getattr(e, "messages", [str(e)])]}) from None
            return data

    @extend_schema(request=InputSerializer, responses=PaymentOutputSerializer, operation_id="payments_card",
                   parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)])
    def post(self, request, pk):
        selectors.payment_get_for_person(person=request.user, payment_id=pk)  # 404 first: no probing
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        result = services.payment_pay_by_card(
            person=request.user, payment_id=pk, idempotency_key=request.headers.get("Idempotency-Key", ""),
            card_number=d["card_number"], expiry_month=d["expiry_month"], expiry_year=d["expiry_year"], cvv=d["cvv"],
            render=payment_output)
        response = Response(result.body, status=result.status)
        if result.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


def _django_to_drf(fn, value):
    from django.core.exceptions import ValidationError

    try:
        return fn(value)
    except ValidationError as e:
        raise serializers.ValidationError(e.messages) from None


class SadadNotificationApi(APIView):
    """Called by the bank. No session or token: the HMAC signature over the raw body is the
    authentication (verified before the body is parsed)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={200: dict}, operation_id="payments_sadad_notification",
                   parameters=[OpenApiParameter("X-Sadad-Signature", str, OpenApiParameter.HEADER, required=True)])
    def post(self, request):
        raw = request.body  # read before DRF parses it
        result = services.sadad_notification_receive(raw_body=raw, signature=request.headers.get("X-Sadad-Signature", ""))
        return Response(result, status=200)
