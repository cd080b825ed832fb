"""REST API of the family iqama renewal (API.md, passports section)."""
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import client_ip
from core.dates import api_date
from passports import selectors, services
from passports.models import IqamaRenewal
from passports.services.eligibility import assess, check_from_json
from passports.services.renewal import parse_months


def check_payload(c) -> dict:
    return {"code": c.code, "passed": c.passed, "message": c.message, "fix": c.fix, "fix_url": c.fix_url}


def quote_payload(q) -> dict:
    return {"items": [{"code": i.code, "amount": f"{i.amount:.2f}"} for i in q.items], "total": f"{q.total:.2f}"}


def payment_payload(p) -> dict | None:
    if p is None:
        return None
    return {
        "id": p.pk, "reference": p.reference, "status": p.status, "amount": f"{p.amount:.2f}", "currency": p.currency,
        "items": [{"code": i.code, "description": i.description, "amount": f"{i.amount:.2f}"} for i in p.items.all()],
        "sadad": {"biller_code": p.biller_code, "bill_number": p.bill_number, "due_at": p.due_at.isoformat()},
        "method": p.method or None, "paid_at": p.paid_at.isoformat() if p.paid_at else None,
    }


def renewal_payload(r: IqamaRenewal) -> dict:
    items = []
    for i in r.items.all():
        person = i.member.person
        checks = i.checks_at_payment or i.checks_at_submit
        items.append({
            "dependent_id": i.member_id, "iqama_number": person.id_number, "name": {"ar": person.name_ar, "en": person.name_en},
            "months": i.months, "old_expiry": api_date(i.old_expiry), "new_expiry": api_date(i.new_expiry),
            "iqama_expiry": api_date(person.iqama.expiry_date) if hasattr(person, "iqama") else None,
            "fees": {"items": [{"code": c, "amount": f"{a:.2f}"} for c, a in
                               (("DEPENDENT_LEVY", i.levy), ("IQAMA_FEE", i.iqama_fee), ("LATE_FINE", i.late_fine)) if c != "LATE_FINE" or i.late_fine],
                     "total": f"{i.total:.2f}"},
            "checks": [check_payload(check_from_json(c)) for c in checks],
        })
    return {
        "id": r.pk, "reference": r.reference, "status": r.status, "status_display": r.get_status_display(),
        "created_at": r.created_at.isoformat(), "items": items, "total": f"{sum(i.total for i in r.items.all()):.2f}",
        "payment": payment_payload(r.payment),
        "stop_reason": r.stop_reason if r.status in (IqamaRenewal.Status.UNDER_REVIEW, IqamaRenewal.Status.REJECTED) else "",
        "decision_reason": r.decision_reason,
        "history": [{"status": e.to_status, "at": e.at.isoformat(), "note": e.note} for e in r.events.all()],
    }


class DependentListApi(APIView):
    @extend_schema_serializer(component_name="IqamaDependentList")
    class OutputSerializer(serializers.Serializer):
        dependents = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=OutputSerializer, tags=["passports"])
    def get(self, request):
        out = []
        for m in selectors.dependent_list_for_head(head=request.user):
            p = m.person
            iqama = getattr(p, "iqama", None)
            out.append({
                "id": m.pk, "iqama_number": p.id_number, "name": {"ar": p.name_ar, "en": p.name_en},
                "relation": m.relation, "category": m.category,
                "iqama_expiry": api_date(iqama.expiry_date if iqama else None),
                "passport_expiry": api_date(selectors.passport_expiry(m)),
                "insurance_expiry": api_date(m.insurance_expiry),
            })
        return Response({"dependents": out})


class QuoteApi(APIView):
    @extend_schema_serializer(component_name="IqamaRenewalQuote")
    class OutputSerializer(serializers.Serializer):
        eligible = serializers.BooleanField()
        checks = serializers.ListField(child=serializers.DictField())
        new_expiry = serializers.DictField()
        fees = serializers.DictField()

    @extend_schema(responses=OutputSerializer, tags=["passports"])
    def get(self, request, dependent_id):
        member = selectors.dependent_get_for_head(head=request.user, dependent_id=dependent_id)
        months = parse_months(request.query_params.get("months"))
        a = assess(member=member, months=months)
        return Response({
            "dependent_id": member.pk, "months": months, "eligible": a.eligible,
            "checks": [check_payload(c) for c in a.checks],
            "old_expiry": api_date(a.quote.old_expiry), "new_expiry": api_date(a.quote.new_expiry), "late": a.quote.late,
            "fees": quote_payload(a.quote),
        })


class RenewalListCreateApi(APIView):
    @extend_schema_serializer(component_name="IqamaRenewalCreate")
    class InputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="IqamaRenewalCreateItem")
        class ItemSerializer(serializers.Serializer):
            dependent_id = serializers.IntegerField()
            months = serializers.IntegerField()

        items = ItemSerializer(many=True, allow_empty=False)
        idempotency_key = serializers.CharField(required=False, max_length=64, allow_blank=False)

    @extend_schema(responses={200: dict}, tags=["passports"], operation_id="passports_iqama_renewals_list")
    def get(self, request):
        return Response({"renewals": [renewal_payload(r) for r in selectors.renewal_list_for_head(head=request.user)]})

    @extend_schema(request=InputSerializer, responses={201: dict}, tags=["passports"])
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        key = s.validated_data.get("idempotency_key") or request.headers.get("Idempotency-Key") or None
        renewal = services.renewal_submit(head=request.user, items=s.validated_data["items"], idempotency_key=key, ip=client_ip(request))
        renewal = selectors.renewal_get_for_head(head=request.user, renewal_id=renewal.pk)
        return Response(renewal_payload(renewal), status=status.HTTP_201_CREATED)


class RenewalDetailApi(APIView):
    @extend_schema(responses={200: dict}, tags=["passports"])
    def get(self, request, pk):
        return Response(renewal_payload(selectors.renewal_get_for_head(head=request.user, renewal_id=pk)))


class RenewalCancelApi(APIView):
    @extend_schema(request=None, responses={200: dict}, tags=["passports"])
    def post(self, request, pk):
        selectors.renewal_get_for_head(head=request.user, renewal_id=pk)
        services.renewal_cancel(renewal_id=pk, head=request.user)
        return Response(renewal_payload(selectors.renewal_get_for_head(head=request.user, renewal_id=pk)))
