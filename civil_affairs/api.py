"""REST API of the national ID renewal (API.md, civil-affairs section)."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import client_ip
from core.dates import api_date
from civil_affairs import selectors, services
from civil_affairs.models import IdRenewal


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()

    class Meta:
        ref_name = "IdRenewalReason"


class DateSerializer(serializers.Serializer):
    gregorian = serializers.CharField()
    hijri = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "IdRenewalDate"


class FaceMatchSerializer(serializers.Serializer):
    decision = serializers.CharField(help_text="MATCH, REVIEW or NO_MATCH")
    distance = serializers.FloatField(allow_null=True)


class PhotoCheckSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="PENDING, PASSED or FAILED")
    reasons = ReasonSerializer(many=True)
    face_match = FaceMatchSerializer(allow_null=True)


class HistorySerializer(serializers.Serializer):
    status = serializers.CharField()
    at = serializers.DateTimeField()


class RenewalDetailSerializer(serializers.Serializer):
    """GET /civil-affairs/id-renewals/{id}/ (API.md); `delivery`, `payment` and `card` are null until set."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField(help_text=", ".join(IdRenewal.Status.values))
    status_display = serializers.CharField()
    created_at = serializers.DateTimeField()
    late_fine = serializers.CharField()
    photo_check = PhotoCheckSerializer()
    delivery = serializers.DictField(allow_null=True)
    payment = serializers.DictField(allow_null=True, help_text="the payment as /api/v1/payments/{id}/ returns it")
    card = serializers.DictField(allow_null=True)
    decision_reason = serializers.CharField(allow_null=True)
    history = HistorySerializer(many=True)


def renewal_payload(renewal: IdRenewal) -> dict:
    """The request as API.md describes it; shared by the API and the page's live status."""
    if renewal.check_status == IdRenewal.CheckStatus.PENDING:
        reasons = []
    else:
        reasons = [{"code": r.get("code", ""), "message": services.reason_message(r.get("code", ""), r.get("message", ""))}
                   for r in renewal.check_reasons]
    face = None
    if renewal.face_decision:
        face = {"decision": renewal.face_decision, "distance": None if renewal.face_distance is None else round(renewal.face_distance, 4)}
    delivery = None
    if renewal.delivery_method:
        delivery = {"method": renewal.delivery_method, "address_id": renewal.address_id, "office_id": renewal.office_id}
        if renewal.address_id:
            a = renewal.address
            delivery["address"] = {"short_address": a.short_address, "city": a.city, "district": a.district, "postal_code": a.postal_code}
        if renewal.office_id:
            delivery["office"] = {"name": renewal.office.name, "city": renewal.office.city}
    payment = None
    if renewal.payment_id:
        p = renewal.payment
        payment = {
            "id": p.pk, "reference": p.reference, "status": p.status, "amount": f"{p.amount:.2f}", "currency": p.currency,
            "items": [{"code": i.code, "description": i.description, "amount": f"{i.amount:.2f}"} for i in p.items.all()],
            "sadad": {"biller_code": p.biller_code, "bill_number": p.bill_number, "due_at": p.due_at.isoformat()},
            "method": p.method or None, "paid_at": p.paid_at.isoformat() if p.paid_at else None,
        }
    card = None
    if renewal.new_card_id:
        card = {"version": renewal.new_card.card_version, "issue_date": api_date(renewal.new_card.issue_date),
                "expiry_date": api_date(renewal.new_card.expiry_date)}
    return {
        "id": renewal.pk,
        "reference": renewal.reference,
        "status": renewal.status,
        "status_display": renewal.get_status_display(),
        "created_at": renewal.created_at.isoformat(),
        "late_fine": f"{renewal.late_fine:.2f}",
        "photo_check": {"status": renewal.check_status, "reasons": reasons, "face_match": face},
        "delivery": delivery,
        "payment": payment,
        "card": card,
        "decision_reason": renewal.decision_reason or None,
        "history": [{"status": e.status, "at": e.at.isoformat()} for e in renewal.events.all()],
    }


class EligibilityApi(APIView):
    class OutputSerializer(serializers.Serializer):
        eligible = serializers.BooleanField()
        reasons = ReasonSerializer(many=True)
        id_expiry = DateSerializer(allow_null=True)
        days_to_expiry = serializers.IntegerField(allow_null=True)
        late_fine = serializers.CharField()
        unpaid_fines = serializers.ListField(child=serializers.DictField())

        class Meta:
            ref_name = "IdRenewalEligibility"

    @extend_schema(responses=OutputSerializer, operation_id="id_renewal_eligibility")
    def get(self, request):
        e = selectors.renewal_eligibility(person=request.user)
        return Response({
            "eligible": e.eligible,
            "reasons": [{"code": r.code, "message": r.message} for r in e.reasons],
            "id_expiry": api_date(e.id_expiry),
            "days_to_expiry": e.days_to_expiry,
            "late_fine": f"{e.late_fine:.2f}",
            "unpaid_fines": [{"reference": f.reference, "reason": f.description, "amount": f"{f.amount:.2f}"} for f in e.unpaid_fines],
        })


class RenewalListCreateApi(APIView):
    """GET: the person's renewals. POST (multipart `photo`): start one; 202, the check runs in a worker."""

    class InputSerializer(serializers.Serializer):
        photo = serializers.FileField()

        class Meta:
            ref_name = "IdRenewalCreate"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        reference = serializers.CharField()
        status = serializers.CharField()

        class Meta:
            ref_name = "IdRenewalCreated"

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses={202: OutputSerializer}, operation_id="id_renewal_create")
    def post(self, request):
        ser = self.InputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data["photo"].read()
        renewal = services.renewal_create(person=request.user, photo_data=data, ip=client_ip(request))
        return Response({"id": renewal.pk, "reference": renewal.reference, "status": renewal.status}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(operation_id="id_renewal_list", responses=inline_serializer("IdRenewalList", {
        "renewals": serializers.ListField(child=inline_serializer("IdRenewalListItem", {
            "id": serializers.IntegerField(), "reference": serializers.CharField(), "status": serializers.CharField(),
            "created_at": serializers.DateTimeField()}))}))
    def get(self, request):
        rows = selectors.renewal_list_for_person(person=request.user)
        return Response({"renewals": [{"id": r.pk, "reference": r.reference, "status": r.status, "created_at": r.created_at.isoformat()} for r in rows]})


class RenewalDetailApi(APIView):
    @extend_schema(operation_id="id_renewal_detail", responses=RenewalDetailSerializer)
    def get(self, request, pk):
        renewal = selectors.renewal_get_for_person(person=request.user, renewal_id=pk)
        return Response(renewal_payload(renewal))


class RenewalDeliveryApi(APIView):
    class InputSerializer(serializers.Serializer):
        method = serializers.CharField(help_text="POST (delivery to a national address) or PICKUP (at an office)")
        address_id = serializers.IntegerField(required=False, allow_null=True)
        office_id = serializers.IntegerField(required=False, allow_null=True)

        class Meta:
            ref_name = "IdRenewalDelivery"

        def validate_method(self, value):
            if value not in ("POST", "PICKUP"):
                raise serializers.ValidationError(_("Choose POST or PICKUP."))
            return value

        def validate(self, attrs):
            if attrs["method"] == "POST" and not attrs.get("address_id"):
                raise serializers.ValidationError({"address_id": _("Choose an address.")})
            if attrs["method"] == "PICKUP" and not attrs.get("office_id"):
                raise serializers.ValidationError({"office_id": _("Choose an office.")})
            return attrs

    @extend_schema(request=InputSerializer, responses=RenewalDetailSerializer, operation_id="id_renewal_delivery")
    def post(self, request, pk):
        renewal = selectors.renewal_get_for_person(person=request.user, renewal_id=pk)
        ser = self.InputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        services.renewal_delivery_choose(person=request.user, renewal_id=renewal.pk, method=d["method"],
                                         address_id=d.get("address_id"), office_id=d.get("office_id"))
        renewal = selectors.renewal_get_for_person(person=request.user, renewal_id=renewal.pk)
        return Response(renewal_payload(renewal))


class RenewalCancelApi(APIView):
    @extend_schema(request=None, responses=RenewalDetailSerializer, operation_id="id_renewal_cancel")
    def post(self, request, pk):
        renewal = services.renewal_cancel(person=request.user, renewal_id=pk)
        return Response(renewal_payload(selectors.renewal_get_for_person(person=request.user, renewal_id=renewal.pk)))


class AddressListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class AddressSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            short_address = serializers.CharField()
            building_number = serializers.CharField()
            street = serializers.CharField()
            city = serializers.CharField()
            district = serializers.CharField()
            postal_code = serializers.CharField()
            deliverable = serializers.BooleanField()

            class Meta:
                ref_name = "NationalAddress"

        addresses = AddressSerializer(many=True)

        class Meta:
            ref_name = "NationalAddressList"

    @extend_schema(responses=OutputSerializer, operation_id="address_list")
    def get(self, request):
        return Response({"addresses": [
            {"id": a.pk, "short_address": a.short_address, "building_number": a.building_number, "street": a.street,
             "city": a.city, "district": a.district, "postal_code": a.postal_code, "deliverable": a.deliverable}
            for a in selectors.address_list_for_person(person=request.user)
        ]})


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
        return Response({"offices": [{"id": o.pk, "name": o.name, "city": o.city} for o in selectors.office_list()]})

