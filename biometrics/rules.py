"""The quality rules and the face-match decision: which reason codes a set of measured
figures (measures.py) breaks, against the thresholds of the settings (PHOTO_*, FACE_*)."""

from __future__ import annotations

from django.conf import settings


def landmark_reasons(m: dict, *, pose: bool = True) -> list[str]:
    """The codes of the landmark rules (the metrics are there only with exactly one face);
    pose=False: only the colour (the face is too small for the landmarks to be trusted)."""
    s = settings
    codes = []
    if "colour_face" in m and m["colour_face"] < s.PHOTO_MIN_COLOUR_SPREAD and m["colour_frame"] < s.PHOTO_MIN_COLOUR_SPREAD:
        codes.append("NOT_COLOUR")
    if "roll_deg" not in m or not pose:
        return codes
    if abs(m["roll_deg"]) > s.PHOTO_MAX_ROLL_DEGREES or abs(m["yaw_ratio"]) > s.PHOTO_MAX_YAW_RATIO:
        codes.append("HEAD_TILTED")
    if (m["eye_ratio_left"] + m["eye_ratio_right"]) / 2 < s.PHOTO_MIN_EYE_RATIO:
        codes.append("EYES_CLOSED")
    if m["mouth_gap"] > s.PHOTO_MAX_MOUTH_GAP:
        codes.append("MOUTH_OPEN")
    if m["red_eye"] > s.PHOTO_MAX_RED_EYE:
        codes.append("RED_EYE")
    return codes


def possible_glasses(m: dict) -> bool:
    return m.get("glasses_score", 0.0) > settings.PHOTO_GLASSES_SCORE


def quality_reasons(m: dict, *, resolution: bool = True) -> list[str]:
    """The codes of every quality rule the metrics break. resolution=False leaves out
    LOW_RESOLUTION (a live frame is small on purpose)."""
    s = settings
    codes = []
    if m["faces"] == 0:
        codes.append("NO_FACE")
    elif m["faces"] > 1:
        codes.append("MULTIPLE_FACES")
    else:
        if m["face_ratio"] < s.PHOTO_MIN_FACE_RATIO:
            codes.append("FACE_TOO_SMALL")
        if m["face_cut_by_frame"] or max(m["centre_offset_x"], m["centre_offset_y"]) > s.PHOTO_MAX_CENTRE_OFFSET:
            codes.append("FACE_NOT_CENTRED")
        if m["sharpness"] < s.PHOTO_MIN_SHARPNESS:
            codes.append("BLURRY")
        if m["face_luma"] < s.PHOTO_MIN_FACE_LUMA:
            codes.append("TOO_DARK")
        elif m["face_luma"] > s.PHOTO_MAX_FACE_LUMA:
            codes.append("TOO_BRIGHT")
        # The landmarks of a face too small in the frame are not reliable (a mouth reads as
        # open): move closer first. The colour does not depend on them.
        codes += landmark_reasons(m, pose="FACE_TOO_SMALL" not in codes)
    if m["background_std"] > s.PHOTO_BACKGROUND_MAX_STD or m["background_luma"] < s.PHOTO_BACKGROUND_MIN_LUMA:
        codes.append("BACKGROUND_NOT_PLAIN")
    if resolution and (m["width"] < s.PHOTO_MIN_WIDTH or m["height"] < s.PHOTO_MIN_HEIGHT):
        codes.append("LOW_RESOLUTION")
    return codes


def face_decision(distance: float) -> str:
    if distance <= settings.FACE_MATCH_TOLERANCE:
        return "MATCH"
    if distance > settings.FACE_REJECT_TOLERANCE:
        return "NO_MATCH"
    return "REVIEW"
