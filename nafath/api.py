"""REST endpoints of API.md's "Login (Nafath style)" and "The Nafath app" sections."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsPerson, client_ip
from core.errors import ApplicationError
from nafath import selectors, services
from nafath.authentication import DeviceTokenAuthentication
from nafath.models import AccessToken, NafathRequest

STATUSES = [s.value for s in NafathRequest.Status]


@extend_schema_serializer(component_name="NafathError")
class ErrorSerializer(serializers.Serializer):
    error = inline_serializer(
        "NafathErrorBody",
        {
            "code": serializers.CharField(),
            "message": serializers.CharField(),
            "details": serializers.DictField(),
        },
    )


class NafathStartApi(APIView):
    authentication_classes = []
    permission_classes = []

    @extend_schema_serializer(component_name="NafathStartInput")
    class InputSerializer(serializers.Serializer):
        id_number = serializers.CharField(max_length=20, help_text="10 digits; Eastern Arabic digits accepted")

    @extend_schema_serializer(component_name="NafathStartOutput")
    class OutputSerializer(serializers.Serializer):
        transaction_id = serializers.UUIDField()
        random_number = serializers.CharField()
        expires_at = serializers.DateTimeField()
        status = serializers.ChoiceField(choices=STATUSES)

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer, 400: ErrorSerializer, 409: ErrorSerializer, 429: ErrorSerializer},
        summary="Start a Nafath sign-in",
        description=(
            "Optional `Authorization: Device <device_token>`: a start by the ID number's own active device (the citizen app on "
            "the owner's phone) counts on the owner's own limit and replaces a request still waiting for that ID number."
        ),
        tags=["login"],
    )
    def post(self, request):
        raw = request.data.get("id_number") if hasattr(request.data, "get") else None
        if not isinstance(raw, (str, int)) or isinstance(raw, bool):
            raw = ""
        req = services.nafath_request_start(
            id_number=str(raw), ip=client_ip(request), channel=NafathRequest.Channel.API, owner=_device_owner(request)
        )
        return Response(
            self.OutputSerializer(
                {
                    "transaction_id": req.transaction_id,
                    "random_number": f"{req.random_number:02d}",
                    "expires_at": req.expires_at,
                    "status": req.status,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


def _device_owner(request):
    """The person of the active device whose token the request carries (`Authorization: Device …`);
    None without one. A wrong token is not an error here: the start is simply not the owner's."""
    try:
        found = DeviceTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


class NafathStatusApi(APIView):
    authentication_classes = []
    permission_classes = []

    @extend_schema_serializer(component_name="NafathStatusOutput")
    class OutputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=STATUSES)
        expires_at = serializers.DateTimeField()
        access_token = serializers.CharField(required=False, help_text="only on the first read after COMPLETED")
        token_expires_at = serializers.DateTimeField(required=False)

    @extend_schema(responses={200: OutputSerializer, 404: ErrorSerializer}, summary="Follow a Nafath sign-in", tags=["login"])
    def get(self, request, transaction_id):
        req = services.nafath_request_refresh(req=selectors.nafath_request_get(transaction_id=transaction_id))
        body = {"status": req.status, "expires_at": req.expires_at}
        issued = services.nafath_request_token_claim(req=req, ip=client_ip(request))
        if issued:
            token, raw = issued
            body.update(access_token=raw, token_expires_at=token.expires_at)
        return Response(self.OutputSerializer(body).data)


class LogoutApi(APIView):
    permission_classes = [IsPerson]

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="The token no longer works"), 401: ErrorSerializer},
        summary="Sign out (revoke this access token)",
        tags=["login"],
    )
    def post(self, request):
        if isinstance(request.auth, AccessToken):
            services.access_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _DeviceApi(APIView):
    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsPerson]


class AppRequestListApi(_DeviceApi):
    @extend_schema_serializer(component_name="NafathAppRequestListRequest")
    class RequestSerializer(serializers.Serializer):
        transaction_id = serializers.UUIDField()
        service = serializers.CharField(source="service_label")
        choices = serializers.ListField(child=serializers.CharField(), min_length=3, max_length=3)
        expires_at = serializers.DateTimeField()

    @extend_schema(
        responses={200: inline_serializer("NafathAppRequests", {"requests": RequestSerializer(many=True)}), 401: ErrorSerializer},
        summary="The WAITING requests of the device's person",
        tags=["nafath-app"],
    )
    def get(self, request):
        services.nafath_request_expire_overdue(id_number=request.user.id_number)
        reqs = selectors.nafath_request_list_waiting_for_person(person=request.user)
        return Response({"requests": self.RequestSerializer(reqs, many=True).data})


class AppRequestAnswerApi(_DeviceApi):
    @extend_schema_serializer(component_name="NafathAppRequestAnswerInput")
    class InputSerializer(serializers.Serializer):
        choice = serializers.CharField(required=False, max_length=2)
        decision = serializers.ChoiceField(choices=["reject"], required=False)

        def validate(self, attrs):
            if ("choice" in attrs) == ("decision" in attrs):
                raise serializers.ValidationError(_('Send either a choice or the decision "reject".'))
            return attrs

    @extend_schema_serializer(component_name="NafathAppRequestAnswerOutput")
    class OutputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=STATUSES)

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, 400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
        summary="Answer a request: pick a number or reject",
        tags=["nafath-app"],
    )
    def post(self, request, transaction_id):
        s = self.InputSerializer(data=request.data)
        if not s.is_valid():
            raise ApplicationError("VALIDATION_ERROR", _('Send either a choice or the decision "reject".'), {"fields": s.errors})
        req = services.nafath_request_answer(
            device=request.auth,
            transaction_id=transaction_id,
            choice=s.validated_data.get("choice"),
            reject=s.validated_data.get("decision") == "reject",
            ip=client_ip(request),
        )
        return Response(self.OutputSerializer({"status": req.status}).data)


# --- device activation, my devices, my activity ---------------------------------------------------
@extend_schema_serializer(component_name="NafathDevice")
class DeviceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    status = serializers.CharField(help_text="PENDING (waiting for an officer), ACTIVE or REVOKED")
    created_at = serializers.DateTimeField()
    activated_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(source="last_seen_at", allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    locked_until = serializers.DateTimeField(allow_null=True)


class ActivationStartApi(APIView):
    authentication_classes = []
    permission_classes = []

    @extend_schema_serializer(component_name="NafathActivationStartInput")
    class InputSerializer(serializers.Serializer):
        id_number = serializers.CharField(max_length=20)

    @extend_schema_serializer(component_name="NafathActivationStartOutput")
    class OutputSerializer(serializers.Serializer):
        activation_id = serializers.UUIDField()
        status = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
        summary="Activate a Nafath app: send a one-time code by SMS to the mobile on file",
        tags=["nafath-app"],
    )
    def post(self, request):
        s = self.InputSerializer(data=request.data)
        if not s.is_valid():
            raise ApplicationError("VALIDATION_ERROR", _("Check the fields."), {"fields": s.errors})
        a = services.device_activation_start(id_number=s.validated_data["id_number"], ip=client_ip(request))
        return Response(self.OutputSerializer(a).data, status=status.HTTP_201_CREATED)


class ActivationCodeApi(APIView):
    authentication_classes = []
    permission_classes = []

    @extend_schema_serializer(component_name="NafathActivationCodeInput")
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=12)

    @extend_schema_serializer(component_name="NafathActivationCodeOutput")
    class OutputSerializer(serializers.Serializer):
        activation_id = serializers.UUIDField()
        status = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer, 410: ErrorSerializer, 429: ErrorSerializer},
        summary="Check the SMS code (INVALID_CODE with tries_left, ACTIVATION_CODE_EXPIRED, TOO_MANY_ATTEMPTS)",
        tags=["nafath-app"],
    )
    def post(self, request, activation_id):
        s = self.InputSerializer(data=request.data)
        if not s.is_valid():
            raise ApplicationError("VALIDATION_ERROR", _("Check the fields."), {"fields": s.errors})
        a = services.device_activation_verify(activation_id=activation_id, code=s.validated_data["code"], ip=client_ip(request))
        return Response(self.OutputSerializer(a).data)


class ActivationCompleteApi(APIView):
    authentication_classes = []
    permission_classes = []

    @extend_schema_serializer(component_name="NafathActivationCompleteInput")
    class InputSerializer(serializers.Serializer):
        pin = serializers.CharField(max_length=12)
        selfie = serializers.FileField(allow_empty_file=True)  # an empty file is INVALID_IMAGE (image_sanitize)
        label = serializers.CharField(max_length=100, required=False)

    @extend_schema_serializer(component_name="NafathActivationCompleteOutput")
    class OutputSerializer(serializers.Serializer):
        device = DeviceOutputSerializer()
        device_token = serializers.CharField(help_text="shown once")

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: OutputSerializer, 400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer, 429: ErrorSerializer},
        summary="Choose the PIN and send a selfie: ACTIVE on a face match, PENDING for an officer otherwise",
        tags=["nafath-app"],
    )
    def post(self, request, activation_id):
        s = self.InputSerializer(data=request.data)
        if not s.is_valid():
            raise ApplicationError("VALIDATION_ERROR", _("Check the fields."), {"fields": s.errors})
        device, token = services.device_activation_complete(
            activation_id=activation_id,
            pin=s.validated_data["pin"],
            selfie=s.validated_data["selfie"].read(),
            label=s.validated_data.get("label", "Nafath app"),
            ip=client_ip(request),
        )
        return Response(self.OutputSerializer({"device": device, "device_token": token}).data, status=status.HTTP_201_CREATED)


class DeviceListApi(APIView):
    @extend_schema_serializer(component_name="NafathDeviceListOutput")
    class OutputSerializer(serializers.Serializer):
        devices = DeviceOutputSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer, 401: ErrorSerializer}, summary="My Nafath devices", tags=["nafath"])
    def get(self, request):
        return Response(self.OutputSerializer({"devices": selectors.device_list_for_person(person=request.user)}).data)


class DeviceRevokeApi(APIView):
    @extend_schema(
        request=None,
        responses={200: DeviceOutputSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
        summary="Revoke one of my devices (its token is refused at once)",
        tags=["nafath"],
    )
    def post(self, request, device_id):
        device = services.device_revoke(person=request.user, device_id=device_id, reason="by_person", ip=client_ip(request))
        return Response(DeviceOutputSerializer(device).data)


@extend_schema_serializer(component_name="NafathActivityEntry")
class ActivityEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.CharField()
    label = serializers.CharField()
    ip = serializers.CharField()
    relying_party = serializers.CharField()
    browser = serializers.CharField(help_text='e.g. "Chrome · Android"')
    by_officer = serializers.SerializerMethodField()
    disowned = serializers.BooleanField()
    can_disown = serializers.BooleanField()

    def get_by_officer(self, obj) -> bool:
        return obj.officer_id is not None


class ActivityListApi(APIView):
    @extend_schema_serializer(component_name="NafathActivityListOutput")
    class OutputSerializer(serializers.Serializer):
        activity = ActivityEntrySerializer(many=True)

    @extend_schema(responses={200: OutputSerializer, 401: ErrorSerializer}, summary="My activity (from the audit log)", tags=["nafath"])
    def get(self, request):
        return Response(self.OutputSerializer({"activity": selectors.activity_list_for_person(person=request.user)}).data)


class ActivityDisownApi(APIView):
    @extend_schema_serializer(component_name="NafathActivityDisownOutput")
    class OutputSerializer(serializers.Serializer):
        report_id = serializers.IntegerField(source="pk")
        at = serializers.DateTimeField()

    @extend_schema(
        request=None,
        responses={200: OutputSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
        summary="This was not me: end the session or device of an activity entry and tell officers",
        tags=["nafath"],
    )
    def post(self, request, entry_id):
        report = services.activity_disown(person=request.user, entry_id=entry_id, ip=client_ip(request))
        return Response(self.OutputSerializer(report).data)
