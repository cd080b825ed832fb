from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsPerson
from notifications import selectors, services


class NotificationListApi(APIView):
    permission_classes = [IsPerson]

    class OutputSerializer(serializers.Serializer):
        class ItemSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            kind = serializers.CharField()
            title = serializers.CharField()
            body = serializers.CharField()
            created_at = serializers.DateTimeField()
            read = serializers.SerializerMethodField()
            link = serializers.CharField()

            class Meta:
                ref_name = "NotificationItem"

            def get_read(self, n) -> bool:
                return n.read_at is not None

        notifications = ItemSerializer(many=True)
        unread = serializers.IntegerField()

        class Meta:
            ref_name = "NotificationList"

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(
            self.OutputSerializer(
                {
                    "notifications": selectors.notification_list_for_person(person=request.user),
                    "unread": selectors.notification_unread_count(person=request.user),
                }
            ).data
        )


class NotificationReadApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk):
        services.notification_mark_read(person=request.user, notification_id=pk)
        return Response(status=204)
