"""GET and POST /api/v1/payments/outstanding/: the unpaid fines and violations of the caller and
the dependents they head, and one payment for a selection of them."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsPerson
from fines import selectors, services
from payments.api import PaymentOutputSerializer
from payments.selectors import payment_get_for_person


class NameSerializer(serializers.Serializer):
    ar = serializers.CharField(source="name_ar")
    en = serializers.CharField(source="name_en")

    class Meta:
        ref_name = "OutstandingOwnerName"


class OwnerSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    name = NameSerializer(source="*")

    class Meta:
        ref_name = "OutstandingOwner"


class OutstandingItemSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=list(selectors.KIND_OF_TYPE))
    id = serializers.IntegerField(source="obj.pk")
    reference = serializers.CharField(source="obj.reference")
    description = serializers.CharField(source="text")
    amount = serializers.DecimalField(source="obj.amount", max_digits=10, decimal_places=2)
    issued_on = serializers.DateField(source="obj.issued_on")
    owner = OwnerSerializer()
    self = serializers.BooleanField(source="is_self")

    class Meta:
        ref_name = "OutstandingFine"


class OutstandingListSerializer(serializers.Serializer):
    items = OutstandingItemSerializer(many=True, source="*")
    total = serializers.SerializerMethodField()

    class Meta:
        ref_name = "OutstandingList"

    def get_total(self, rows) -> str:
        return f"{sum((r.obj.amount for r in rows), start=0):.2f}"


class OutstandingApi(APIView):
    permission_classes = [IsPerson]

    class InputSerializer(serializers.Serializer):
        class ItemSerializer(serializers.Serializer):
            type = serializers.ChoiceField(choices=list(selectors.KIND_OF_TYPE))
            id = serializers.IntegerField(min_value=1)

            class Meta:
                ref_name = "OutstandingItem"

        items = ItemSerializer(many=True, allow_empty=False)

        class Meta:
            ref_name = "OutstandingSelection"

    @extend_schema(responses={200: OutstandingListSerializer}, operation_id="payments_outstanding_list")
    def get(self, request):
        return Response(OutstandingListSerializer(selectors.outstanding_for_person(person=request.user)).data)

    @extend_schema(request=InputSerializer, responses={201: PaymentOutputSerializer}, operation_id="payments_outstanding_pay")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.outstanding_payment_create(
            person=request.user, selection=[(i["type"], i["id"]) for i in data.validated_data["items"]]
        )
        payment = payment_get_for_person(person=request.user, payment_id=payment.pk)
        return Response(PaymentOutputSerializer(payment).data, status=201)
