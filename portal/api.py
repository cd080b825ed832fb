from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import dates
from registry import selectors


class DateSerializer(serializers.Serializer):
    gregorian = serializers.DateField()
    hijri = serializers.CharField(allow_null=True)


class NameSerializer(serializers.Serializer):
    ar = serializers.CharField()
    en = serializers.CharField()


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(help_text="The caller's person id (the person_id of exit/re-entry visa quotes).")
        id_number = serializers.CharField()
        kind = serializers.ChoiceField(choices=["citizen", "resident"])
        name = NameSerializer()
        id_expiry = DateSerializer(allow_null=True)
        mobile = serializers.CharField()

    @extend_schema(responses=OutputSerializer, summary="The signed-in person")
    def get(self, request):
        p = request.user
        doc = selectors.person_document_status(person=p)
        return Response(
            {
                "id": p.pk,
                "id_number": p.id_number,
                "kind": p.kind,
                "name": {"ar": p.name_ar, "en": p.name_en},
                "id_expiry": dates.api_date(doc.expiry),
                "mobile": p.mobile,
            }
        )
