"""Domain figures (../shared/DOMAIN.md): every fee, period, threshold and limit the services
use, each overridable by an environment variable of the same name (ID_CARD_STAGE_DELAYS_SECONDS
reads one variable per stage). Amounts are exact Decimal strings in SAR. Imported by base.py.

Nothing in the code is a literal amount or period: a new figure goes here, under its app."""

from decimal import Decimal

from .environment import env


def _dec(name, default):
    return Decimal(env(name, default=default))


def _ints(name, default):
    return [int(x) for x in env.list(name, default=default)]


CURRENCY = env("CURRENCY", default="SAR")

# --- nafath: login -------------------------------------------------------------------------------
NAFATH_REQUEST_LIFETIME_SECONDS = env.int("NAFATH_REQUEST_LIFETIME_SECONDS", default=180)
NAFATH_RATE_LIMIT_PER_ID = env.int("NAFATH_RATE_LIMIT_PER_ID", default=5)
NAFATH_RATE_LIMIT_PER_IP = env.int("NAFATH_RATE_LIMIT_PER_IP", default=30)
NAFATH_RATE_LIMIT_WINDOW_SECONDS = env.int("NAFATH_RATE_LIMIT_WINDOW_SECONDS", default=600)
# Failed Nafath-app PINs (docs/nafath.md "No lock-out by ID number"): NAFATH_PIN_MAX_FAILURES per app
# installation and per client address, then that installation or address waits NAFATH_PIN_BACKOFF_SECONDS,
# doubled at each new round, at most NAFATH_PIN_BACKOFF_MAX_SECONDS. Clients that are not the owner's own
# device also share NAFATH_PIN_MAX_FAILURES_PER_ID per ID number (the owner's device never counts there).
NAFATH_PIN_MAX_FAILURES = env.int("NAFATH_PIN_MAX_FAILURES", default=5)
NAFATH_PIN_MAX_FAILURES_PER_ID = env.int("NAFATH_PIN_MAX_FAILURES_PER_ID", default=20)
NAFATH_PIN_BACKOFF_SECONDS = env.int("NAFATH_PIN_BACKOFF_SECONDS", default=60)
NAFATH_PIN_BACKOFF_MAX_SECONDS = env.int("NAFATH_PIN_BACKOFF_MAX_SECONDS", default=60 * 60)
# Starts the owner's device refused: the starting address may not start for that ID number again in
# the rate-limit window, and the owner is notified once NAFATH_REFUSED_STARTS_NOTIFY_AFTER were refused.
NAFATH_REFUSED_STARTS_NOTIFY_AFTER = env.int("NAFATH_REFUSED_STARTS_NOTIFY_AFTER", default=2)
# A browser that signed in with Nafath is remembered (a signed cookie) as the owner's for this long.
NAFATH_KNOWN_BROWSER_DAYS = env.int("NAFATH_KNOWN_BROWSER_DAYS", default=90)
# How often the login page and the Nafath app page poll (milliseconds).
NAFATH_POLL_INTERVAL_MS = env.int("NAFATH_POLL_INTERVAL_MS", default=1500)
ACCESS_TOKEN_LIFETIME_SECONDS = env.int("ACCESS_TOKEN_LIFETIME_SECONDS", default=60 * 60)
# Device activation (docs/nafath.md): the SMS code, the PIN, the face, one active device.
NAFATH_PIN_LENGTH = env.int("NAFATH_PIN_LENGTH", default=6)
NAFATH_ACTIVATION_CODE_LENGTH = env.int("NAFATH_ACTIVATION_CODE_LENGTH", default=6)
NAFATH_ACTIVATION_CODE_LIFETIME_SECONDS = env.int("NAFATH_ACTIVATION_CODE_LIFETIME_SECONDS", default=5 * 60)
NAFATH_ACTIVATION_CODE_MAX_TRIES = env.int("NAFATH_ACTIVATION_CODE_MAX_TRIES", default=3)
NAFATH_ACTIVATION_SELFIE_MAX_TRIES = env.int("NAFATH_ACTIVATION_SELFIE_MAX_TRIES", default=3)
NAFATH_MAX_ACTIVE_DEVICES = env.int("NAFATH_MAX_ACTIVE_DEVICES", default=1)  # a new one replaces the oldest
# Wrong PINs in a row that lock a device, and for how long.
NAFATH_DEVICE_LOCK_AFTER_FAILURES = env.int("NAFATH_DEVICE_LOCK_AFTER_FAILURES", default=5)
NAFATH_DEVICE_LOCK_SECONDS = env.int("NAFATH_DEVICE_LOCK_SECONDS", default=15 * 60)
# OpenID Connect (docs/oidc.md): short-lived tokens; a Nafath confirmation is good for this long.
NAFATH_OIDC_ACCESS_TOKEN_SECONDS = env.int("NAFATH_OIDC_ACCESS_TOKEN_SECONDS", default=5 * 60)
NAFATH_OIDC_ID_TOKEN_SECONDS = env.int("NAFATH_OIDC_ID_TOKEN_SECONDS", default=5 * 60)
NAFATH_OIDC_CODE_SECONDS = env.int("NAFATH_OIDC_CODE_SECONDS", default=60)
NAFATH_OIDC_REFRESH_TOKEN_SECONDS = env.int("NAFATH_OIDC_REFRESH_TOKEN_SECONDS", default=60 * 60)
NAFATH_OIDC_AUTH_MAX_AGE_SECONDS = env.int("NAFATH_OIDC_AUTH_MAX_AGE_SECONDS", default=5 * 60)

# --- civil_affairs: national ID renewal ----------------------------------------------------------
ID_RENEWAL_WINDOW_DAYS = env.int("ID_RENEWAL_WINDOW_DAYS", default=180)
ID_LATE_FINE = _dec("ID_LATE_FINE", "100.00")
ID_DELIVERY_FEE = _dec("ID_DELIVERY_FEE", "17.50")
ID_CARD_VALIDITY_YEARS = env.int("ID_CARD_VALIDITY_YEARS", default=10)
ID_ISSUANCE_WORKING_DAYS = env.int("ID_ISSUANCE_WORKING_DAYS", default=14)
# Photo uploads: at most N new renewal attempts per person in a sliding window.
ID_PHOTO_ATTEMPTS_MAX = env.int("ID_PHOTO_ATTEMPTS_MAX", default=5)
ID_PHOTO_ATTEMPTS_WINDOW_SECONDS = env.int("ID_PHOTO_ATTEMPTS_WINDOW_SECONDS", default=60 * 60)
# The photo-check task claims a renewal at most this many times (a poison image cannot requeue forever).
ID_PHOTO_CHECK_MAX_TRIES = env.int("ID_PHOTO_CHECK_MAX_TRIES", default=3)
# Work queued after commit whose message was lost, or never sent because the broker was down
# (core.transitions.enqueue logs and moves on), is re-queued by its sweeper once it is this old
# and still not started (the sweepers run every SWEEP_PERIOD_SECONDS, celery.py).
SWEEP_LOST_WORK_AFTER_SECONDS = env.int("SWEEP_LOST_WORK_AFTER_SECONDS", default=30)
# How often the sweepers run (celery.py's beat schedule). A message the broker lost (or never took:
# Redis down when the request committed) is re-queued within SWEEP_LOST_WORK_AFTER_SECONDS + this:
# 45 s by default, under the 60 s issue 11 asks for. Nafath's expiry clock has its own period.
SWEEP_PERIOD_SECONDS = env.int("SWEEP_PERIOD_SECONDS", default=15)
NAFATH_EXPIRE_PERIOD_SECONDS = env.int("NAFATH_EXPIRE_PERIOD_SECONDS", default=60)
# A renewal still in PHOTO_CHECK this long after its last claim is re-queued by the sweeper.
ID_PHOTO_CHECK_STUCK_SECONDS = env.int("ID_PHOTO_CHECK_STUCK_SECONDS", default=180)
# Rejected selfies are deleted after this many days.
ID_PHOTO_REJECTED_RETENTION_DAYS = env.int("ID_PHOTO_REJECTED_RETENTION_DAYS", default=30)
# The card's journey: seconds a renewal stays in a status before the periodic task moves it on.
ID_CARD_STAGE_DELAYS_SECONDS = {
    "APPROVED": env.int("ID_CARD_DELAY_APPROVED_SECONDS", default=60),
    "PRINTING": env.int("ID_CARD_DELAY_PRINTING_SECONDS", default=60 * 60 * 24),
    "OUT_FOR_DELIVERY": env.int("ID_CARD_DELAY_OUT_FOR_DELIVERY_SECONDS", default=60 * 60 * 24 * 2),
}

# --- biometrics: the photo-check engine. Thresholds measured on real photos:
# see docs/photo_check.md for the figures behind each default.
PHOTO_MAX_UPLOAD_BYTES = env.int("PHOTO_MAX_UPLOAD_BYTES", default=8 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)  # checked from the header, before decoding
PHOTO_JPEG_QUALITY = env.int("PHOTO_JPEG_QUALITY", default=92)
# Decoding is bounded by memory, not just pixels (biometrics.upload): a photo is decoded to at
# most this longest side (a JPEG straight to it with Pillow's draft, a PNG scaled down after
# loading), and one whose decoded pixels would take more than PHOTO_DECODE_MAX_BYTES (estimated
# from the header) is refused before decoding (IMAGE_TOO_LARGE), e.g. a 6300x6300 PNG of 170 KB.
PHOTO_DECODE_MAX_SIDE = env.int("PHOTO_DECODE_MAX_SIDE", default=2400)
PHOTO_DECODE_MAX_BYTES = env.int("PHOTO_DECODE_MAX_BYTES", default=48 * 1024 * 1024)
PHOTO_MIN_WIDTH = env.int("PHOTO_MIN_WIDTH", default=400)  # LOW_RESOLUTION
PHOTO_MIN_HEIGHT = env.int("PHOTO_MIN_HEIGHT", default=500)
PHOTO_MIN_FACE_RATIO = env.float("PHOTO_MIN_FACE_RATIO", default=0.18)  # face box height / image height (FACE_TOO_SMALL)
PHOTO_MAX_CENTRE_OFFSET = env.float("PHOTO_MAX_CENTRE_OFFSET", default=0.12)  # face centre off the image centre / size (FACE_NOT_CENTRED)
# Laplacian variance of the face, <=256 px high, contrast-normalised (BLURRY)
PHOTO_MIN_SHARPNESS = env.float("PHOTO_MIN_SHARPNESS", default=30.0)
PHOTO_MIN_FACE_LUMA = env.float("PHOTO_MIN_FACE_LUMA", default=60.0)  # mean luma 0-255 of the face (TOO_DARK)
PHOTO_MAX_FACE_LUMA = env.float("PHOTO_MAX_FACE_LUMA", default=205.0)  # (TOO_BRIGHT)
PHOTO_BACKGROUND_MIN_LUMA = env.float("PHOTO_BACKGROUND_MIN_LUMA", default=170.0)  # border strips: light (BACKGROUND_NOT_PLAIN)
PHOTO_BACKGROUND_MAX_STD = env.float("PHOTO_BACKGROUND_MAX_STD", default=20.0)  # border strips: plain
FACE_MATCH_TOLERANCE = env.float("FACE_MATCH_TOLERANCE", default=0.50)  # distance <= this: MATCH
FACE_REJECT_TOLERANCE = env.float("FACE_REJECT_TOLERANCE", default=0.62)  # distance > this: NO_MATCH; between: REVIEW
FACE_DETECT_MAX_SIDE = env.int("FACE_DETECT_MAX_SIDE", default=640)  # detect on a copy downscaled to this longest side
FACE_DETECT_UPSAMPLE = env.int("FACE_DETECT_UPSAMPLE", default=0)  # HOG detector upsampling of that copy
FACE_DETECT_RETRY_UPSAMPLE = env.int("FACE_DETECT_RETRY_UPSAMPLE", default=1)  # a second pass only when the first finds no face
# The rules read from dlib's 68 landmarks (issue 10; measured in docs/photo_check.md). The
# specification names the rules; every figure below is a default chosen here [U] (roll 8: ISO/IEC 19794-5).
PHOTO_MIN_COLOUR_SPREAD = env.float("PHOTO_MIN_COLOUR_SPREAD", default=0.018)  # chromaticity std, face and frame (NOT_COLOUR)
PHOTO_MAX_ROLL_DEGREES = env.float("PHOTO_MAX_ROLL_DEGREES", default=8.0)  # eye line off horizontal (HEAD_TILTED)
PHOTO_MAX_YAW_RATIO = env.float("PHOTO_MAX_YAW_RATIO", default=0.25)  # nose tip off the eyes' middle / eye distance (HEAD_TILTED)
PHOTO_MIN_EYE_RATIO = env.float("PHOTO_MIN_EYE_RATIO", default=0.12)  # mean eye aspect ratio of the two eyes (EYES_CLOSED)
PHOTO_MAX_MOUTH_GAP = env.float("PHOTO_MAX_MOUTH_GAP", default=0.36)  # inner-lip gap / eye distance (MOUTH_OPEN)
PHOTO_RED_EYE_DOMINANCE = env.float("PHOTO_RED_EYE_DOMINANCE", default=2.5)  # a pixel is red when R > this x G and x B
PHOTO_MAX_RED_EYE = env.float("PHOTO_MAX_RED_EYE", default=0.12)  # share of red pixels inside an eye's outline (RED_EYE)
PHOTO_GLASSES_SCORE = env.float("PHOTO_GLASSES_SCORE", default=0.40)  # dark bar over the nose bridge: "possible glasses" (a flag)
# Live guidance (the quick check: detection and the quality rules, no face match, nothing stored).
PHOTO_QUICK_CHECK_MAX_SIDE = env.int("PHOTO_QUICK_CHECK_MAX_SIDE", default=480)  # a bigger frame is scaled down to this first
PHOTO_QUICK_CHECK_MAX_BYTES = env.int("PHOTO_QUICK_CHECK_MAX_BYTES", default=512 * 1024)
PHOTO_QUICK_CHECK_MAX_PIXELS = env.int("PHOTO_QUICK_CHECK_MAX_PIXELS", default=2_500_000)  # a frame, from its header, before decoding
PHOTO_QUICK_CHECK_PER_MINUTE = env.int("PHOTO_QUICK_CHECK_PER_MINUTE", default=90)  # per person (the page polls about once a second)
ID_PHOTO_UPLOAD_PRECHECK = env.bool("ID_PHOTO_UPLOAD_PRECHECK", default=True)  # refuse a failing upload before it spends an attempt
# A camera photo's capture time (sent by the page) is kept when it is at most this old when received.
ID_PHOTO_CAPTURE_MAX_AGE_SECONDS = env.int("ID_PHOTO_CAPTURE_MAX_AGE_SECONDS", default=600)

# --- passports: family iqama renewal -------------------------------------------------------------
IQAMA_PERIODS_MONTHS = _ints("IQAMA_PERIODS_MONTHS", ["3", "6", "9", "12"])
IQAMA_DOMESTIC_WORKER_PERIODS_MONTHS = _ints("IQAMA_DOMESTIC_WORKER_PERIODS_MONTHS", ["12"])
DEPENDENT_LEVY_PER_MONTH = _dec("DEPENDENT_LEVY_PER_MONTH", "400.00")
IQAMA_FEE_PER_YEAR = _dec("IQAMA_FEE_PER_YEAR", "650.00")
IQAMA_LATE_GRACE_DAYS = env.int("IQAMA_LATE_GRACE_DAYS", default=3)
IQAMA_LATE_FINE_FIRST = _dec("IQAMA_LATE_FINE_FIRST", "500.00")
IQAMA_LATE_FINE_SECOND = _dec("IQAMA_LATE_FINE_SECOND", "1000.00")
IQAMA_LATE_BLOCK_AT = env.int("IQAMA_LATE_BLOCK_AT", default=3)  # the third late renewal is blocked
# The passport's validity for an iqama renewal [U], apart from the exit/re-entry visa's VISA_PASSPORT_MIN_DAYS [P].
PASSPORT_MIN_VALIDITY_DAYS = env.int("PASSPORT_MIN_VALIDITY_DAYS", default=90)
BIOMETRICS_MIN_AGE = env.int("BIOMETRICS_MIN_AGE", default=6)
IQAMA_RENEWAL_WINDOW_DAYS = env.int("IQAMA_RENEWAL_WINDOW_DAYS", default=90)  # [U] dashboard banner
# A renewal still PROCESSING this long after the payment is re-queued by the sweeper.
IQAMA_RENEWAL_STUCK_AFTER_SECONDS = env.int("IQAMA_RENEWAL_STUCK_AFTER_SECONDS", default=30)
# Residency rules (issue 10; docs/passports.md "Thresholds and fee table": [P] published, [C] sources
# conflict, [U] chosen here). The iqama fee by category, per year, prorated by N/12:
# IQAMA_FEE_PER_YEAR is the worker row (domestic worker, 650 [P]).
IQAMA_FEE_ADULT_PER_YEAR = _dec("IQAMA_FEE_ADULT_PER_YEAR", "500.00")  # [P] dependent or companion aged 18+
IQAMA_FEE_SAUDI_WIFE_PER_YEAR = _dec("IQAMA_FEE_SAUDI_WIFE_PER_YEAR", "500.00")  # [P] foreign wife of a Saudi
IQAMA_FEE_UNDER_18_PER_YEAR = _dec("IQAMA_FEE_UNDER_18_PER_YEAR", "500.00")  # [U] no source gives a figure
IQAMA_ADULT_AGE = env.int("IQAMA_ADULT_AGE", default=18)  # [P] sons from this age need proof of study, daughters of single status
DEPENDENT_AGE_LIMIT = env.int("DEPENDENT_AGE_LIMIT", default=25)  # [C] sons and daughters over it (one source: 21)
IQAMA_HEAD_VIOLATIONS_BLOCK = env.bool("IQAMA_HEAD_VIOLATIONS_BLOCK", default=False)  # [U] sources name the dependent's own only
# Health insurance valid "today" (the sources) or through "new_expiry" (the new iqama expiry).
IQAMA_INSURANCE_VALID_THROUGH = env("IQAMA_INSURANCE_VALID_THROUGH", default="today")

# --- working days (the ministry's calendar: weekends here, holidays in registry.Holiday) ----------
# Python weekday numbers (Monday 0): Friday and Saturday; Sunday to Thursday are working days.
WEEKEND_WEEKDAYS = _ints("WEEKEND_WEEKDAYS", ["4", "5"])

# --- payments ------------------------------------------------------------------------------------
SADAD_BILLER_CODE = env("SADAD_BILLER_CODE", default="090")
SADAD_SIGNATURE_TOLERANCE_SECONDS = env.int("SADAD_SIGNATURE_TOLERANCE_SECONDS", default=300)
PAYMENT_BILL_LIFETIME_HOURS = env.int("PAYMENT_BILL_LIFETIME_HOURS", default=72)
# Sandbox cards the fake gateway declines (any other Luhn-valid number succeeds).
PAYMENT_SANDBOX_DECLINED_CARDS = env.list("PAYMENT_SANDBOX_DECLINED_CARDS", default=["4000000000000002"])
# The card gateway when sandboxes are off (payments.gateway): the dotted path of a class with
# charge(); empty in production until an acquirer is integrated, so card checkout does not exist.
PAYMENT_CARD_GATEWAY = env("PAYMENT_CARD_GATEWAY", default="")
# PAID payments not handed over this long after payment are re-queued by the sweeper.
PAYMENT_FULFIL_SWEEP_AFTER_SECONDS = env.int("PAYMENT_FULFIL_SWEEP_AFTER_SECONDS", default=30)
# Card testing protection: a bill takes no more card attempts after this many declines (SADAD stays open).
PAYMENT_CARD_MAX_DECLINES = env.int("PAYMENT_CARD_MAX_DECLINES", default=5)

# --- notifications -------------------------------------------------------------------------------
# A delivery is tried this many times (with exponential backoff) before it is marked FAILED.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# Deliveries left PENDING (or SENDING, by a dead worker) this long are re-queued by the sweeper;
# a delivery never tried is re-queued after SWEEP_LOST_WORK_AFTER_SECONDS.
NOTIFICATION_SWEEP_AFTER_SECONDS = env.int("NOTIFICATION_SWEEP_AFTER_SECONDS", default=300)

# --- visas (exit/re-entry): fees and rules published in Saudi news sites and expat guides;
# [U] marks a figure chosen here. See docs/visas.md. --------------------------------------------
VISA_SINGLE_BASE_FEE = _dec("VISA_SINGLE_BASE_FEE", "200.00")  # single: up to 2 months
VISA_SINGLE_BASE_MONTHS = env.int("VISA_SINGLE_BASE_MONTHS", default=2)
VISA_SINGLE_EXTRA_MONTH_FEE = _dec("VISA_SINGLE_EXTRA_MONTH_FEE", "100.00")  # each further month
VISA_MULTIPLE_BASE_FEE = _dec("VISA_MULTIPLE_BASE_FEE", "500.00")  # multiple: up to 3 months
VISA_MULTIPLE_BASE_MONTHS = env.int("VISA_MULTIPLE_BASE_MONTHS", default=3)
VISA_MULTIPLE_EXTRA_MONTH_FEE = _dec("VISA_MULTIPLE_EXTRA_MONTH_FEE", "200.00")
VISA_MAX_MONTHS = env.int("VISA_MAX_MONTHS", default=12)  # [U] longest period offered
VISA_PASSPORT_MIN_DAYS = env.int("VISA_PASSPORT_MIN_DAYS", default=90)
VISA_USE_WITHIN_MONTHS = env.int("VISA_USE_WITHIN_MONTHS", default=3)  # exit within, else it lapses
# Fine for a visa that lapsed unused and uncancelled: the first, second, third and later time.
VISA_UNUSED_FINES = [Decimal(x) for x in env.list("VISA_UNUSED_FINES", default=["1000.00", "2000.00", "3000.00"])]
VISA_LAPSE_WARNING_DAYS = env.int("VISA_LAPSE_WARNING_DAYS", default=7)  # notify this long before lapsing
