"""The photo check's words: the message of each reason code, the live-guidance hint for it,
and the flags an officer sees. Messages are lazy strings (they render in the active language).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

_MESSAGES = {
    "NO_FACE": _("No face was found. Face the camera directly, with your whole face visible and nothing covering it."),
    "MULTIPLE_FACES": _("More than one face is in the photo. Take it again with only you in the frame."),
    "FACE_MISMATCH": _("The face does not match the photo on file. Take a new photo of yourself, facing the camera."),
    "FACE_TOO_SMALL": _("Your face is too small in the photo. Move closer so your head and shoulders fill the frame."),
    "FACE_NOT_CENTRED": _("Your face is not centred. Hold the camera straight in front of you with your face in the middle."),
    "BLURRY": _("The photo is blurry. Hold the camera still, make sure it is focused, and take it again."),
    "TOO_DARK": _("The photo is too dark. Stand facing a window or a light, and avoid shadows on your face."),
    "TOO_BRIGHT": _("The photo is too bright. Move away from direct light or flash so your face is not washed out."),
    "BACKGROUND_NOT_PLAIN": _("The background must be plain and light. Stand in front of a white or light-coloured wall."),
    "LOW_RESOLUTION": _("The photo's resolution is too low. Use your camera's normal setting, not a thumbnail or screenshot."),
    "NOT_COLOUR": _("The photo must be in colour. Turn off black-and-white or sepia filters and take it again."),
    "HEAD_TILTED": _("Your head is tilted or turned. Look straight at the camera with your head upright."),
    "EYES_CLOSED": _("Your eyes look closed. Keep both eyes open and look at the camera."),
    "MOUTH_OPEN": _("Your mouth is open. Keep a neutral expression with your mouth closed."),
    "RED_EYE": _("Your eyes look red from the flash. Turn off the flash and use even daylight."),
}

# Live guidance: the one short thing to fix for each reason, most important first.
_HINTS = {
    "NO_FACE": ("FACE_THE_CAMERA", _("Face the camera, your whole face inside the frame")),
    "MULTIPLE_FACES": ("ONLY_YOU", _("Only you in the frame")),
    "FACE_TOO_SMALL": ("MOVE_CLOSER", _("Move closer")),
    "FACE_NOT_CENTRED": ("CENTRE_FACE", _("Put your face in the middle of the frame")),
    "HEAD_TILTED": ("FACE_THE_CAMERA", _("Face the camera, head upright")),
    "TOO_DARK": ("MORE_LIGHT", _("More light")),
    "TOO_BRIGHT": ("LESS_LIGHT", _("Less light: move away from the bright light")),
    "BACKGROUND_NOT_PLAIN": ("PLAIN_BACKGROUND", _("Plain background behind you")),
    "BLURRY": ("HOLD_STILL", _("Hold still")),
    "EYES_CLOSED": ("OPEN_EYES", _("Open your eyes")),
    "MOUTH_OPEN": ("CLOSE_MOUTH", _("Close your mouth, neutral expression")),
    "RED_EYE": ("NO_FLASH", _("Turn off the flash")),
    "NOT_COLOUR": ("COLOUR", _("Turn off black-and-white filters")),
    "LOW_RESOLUTION": ("HIGHER_RESOLUTION", _("Use a higher resolution")),
}
HINT_ORDER = (
    "NO_FACE",
    "MULTIPLE_FACES",
    "FACE_TOO_SMALL",
    "FACE_NOT_CENTRED",
    "HEAD_TILTED",
    "TOO_DARK",
    "TOO_BRIGHT",
    "BLURRY",
    "BACKGROUND_NOT_PLAIN",
    "EYES_CLOSED",
    "MOUTH_OPEN",
    "RED_EYE",
    "NOT_COLOUR",
    "LOW_RESOLUTION",
)

# Flags: an officer looks, the photo is not refused (the caller decides whom they concern).
FLAG_MESSAGES = {"POSSIBLE_GLASSES": _("Possible glasses (not certain): an officer checks the photo.")}


def reason_message(code: str):
    """The user-facing message for a reason code, as a lazy string (renders in the active language)."""
    return _MESSAGES.get(code, _("The photo does not meet the requirements. Take it again."))


@dataclass
class Reason:
    code: str
    message: str  # translated in the language active when the check ran

    @classmethod
    def of(cls, code: str) -> Reason:
        return cls(code=code, message=str(reason_message(code)))


@dataclass
class Hint:
    code: str
    message: str

    @classmethod
    def of(cls, reason_code: str) -> Hint:
        code, message = _HINTS.get(reason_code, ("RETAKE", _("Take the photo again")))
        return cls(code=code, message=str(message))


def hints_for(codes: list[str]) -> list[Hint]:
    """One hint per thing to fix, most important first, without repeats."""
    hints, seen = [], set()
    for code in sorted(codes, key=lambda c: HINT_ORDER.index(c) if c in HINT_ORDER else len(HINT_ORDER)):
        h = Hint.of(code)
        if h.code not in seen:
            seen.add(h.code)
            hints.append(h)
    return hints
