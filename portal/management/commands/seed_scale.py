"""A national-scale data set for benchmarks (issue 12), built with set-based SQL.

    manage.py seed_scale --people 1000000 --db absher_scale_1m

creates the PostgreSQL database when it is missing, migrates it, seeds the demo people
(portal.demo, so the same citizens sign in on both data sets) and then adds, per million
people: 200,000 citizens with their ID cards, 200,000 heads of family with 600,000
dependents (a wife, a son and a daughter each: 600,000 family links), 800,000 iqamas,
passports and health insurances, 2,000,000 Nafath requests, 1,000,000 payments, 1,000,000
audit entries, 200,000 ID renewals and 100,000 family iqama renewals (one dependent each).

Every row comes from `INSERT … SELECT … FROM generate_series` in the project's own tables:
no Python loop, minutes for a million people. Values are functions of the row number
(names, dates, statuses), so two runs with the same N and --as-of build identical data.
ID numbers are valid (Luhn, core.idnumbers): citizens 17xxxxxxxC, residents 27xxxxxxxC,
apart from the demo people's numbers. Names come in Arabic and English from the same lists.
"""

import datetime as dt
import time

import environ
import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone
from psycopg import sql as pgsql

from portal.demo import seed

# (Arabic, English) pairs: realistic names in both scripts.
MALE = [
    ("محمد", "Mohammed"), ("أحمد", "Ahmed"), ("عبدالله", "Abdullah"), ("خالد", "Khalid"), ("فهد", "Fahad"),
    ("سعد", "Saad"), ("ناصر", "Nasser"), ("سلطان", "Sultan"), ("فيصل", "Faisal"), ("عمر", "Omar"),
    ("علي", "Ali"), ("حسن", "Hassan"), ("يوسف", "Youssef"), ("إبراهيم", "Ibrahim"), ("عبدالرحمن", "Abdulrahman"),
    ("تركي", "Turki"), ("بندر", "Bandar"), ("ماجد", "Majed"), ("سلمان", "Salman"), ("طارق", "Tariq"),
    ("مشعل", "Meshal"), ("نواف", "Nawaf"), ("راشد", "Rashed"), ("حمد", "Hamad"), ("زياد", "Ziyad"),
    ("كريم", "Karim"), ("مصطفى", "Mustafa"), ("وليد", "Waleed"), ("ياسر", "Yasser"), ("عادل", "Adel"),
    ("منصور", "Mansour"), ("هشام", "Hisham"),
]  # fmt: skip
FEMALE = [
    ("فاطمة", "Fatimah"), ("نورة", "Noura"), ("سارة", "Sara"), ("منى", "Mona"), ("هدى", "Huda"),
    ("ريم", "Reem"), ("لمى", "Lama"), ("عائشة", "Aisha"), ("مريم", "Maryam"), ("هند", "Hind"),
    ("أمل", "Amal"), ("جواهر", "Jawaher"), ("لطيفة", "Latifa"), ("دانة", "Dana"), ("رغد", "Raghad"),
    ("شهد", "Shahad"), ("العنود", "Alanoud"), ("بشرى", "Bushra"), ("خديجة", "Khadija"), ("زينب", "Zainab"),
    ("ليلى", "Layla"), ("رنا", "Rana"), ("سلمى", "Salma"), ("ياسمين", "Yasmin"), ("نوف", "Nouf"),
    ("غادة", "Ghada"), ("أسماء", "Asmaa"), ("حصة", "Hessa"), ("وفاء", "Wafaa"), ("ندى", "Nada"),
    ("روان", "Rawan"), ("تهاني", "Tahani"),
]  # fmt: skip
FAMILY_SA = [
    ("القحطاني", "Alqahtani"), ("العتيبي", "Alotaibi"), ("الدوسري", "Aldosari"), ("الشمري", "Alshammari"),
    ("الحربي", "Alharbi"), ("الغامدي", "Alghamdi"), ("الزهراني", "Alzahrani"), ("المطيري", "Almutairi"),
    ("العنزي", "Alanazi"), ("السبيعي", "Alsubaie"), ("الشهري", "Alshehri"), ("المالكي", "Almalki"),
    ("الرشيدي", "Alrashidi"), ("السهلي", "Alsahli"), ("البقمي", "Albaqami"), ("الجهني", "Aljuhani"),
    ("الخالدي", "Alkhalidi"), ("العمري", "Alomari"), ("الثقفي", "Althaqafi"), ("اليامي", "Alyami"),
    ("الأحمدي", "Alahmadi"), ("الفيفي", "Alfaifi"), ("العسيري", "Alasiri"), ("التميمي", "Altamimi"),
]  # fmt: skip
FAMILY_RES = [
    ("محمود", "Mahmoud"), ("إبراهيم", "Ibrahim"), ("عبدالعزيز", "Abdelaziz"), ("حسين", "Hussein"),
    ("سالم", "Salem"), ("النجار", "Alnajjar"), ("الخطيب", "Alkhatib"), ("حداد", "Haddad"),
    ("منصور", "Mansour"), ("يوسف", "Youssef"), ("الشريف", "Alsharif"), ("خان", "Khan"),
    ("أحمد", "Ahmed"), ("رضا", "Reda"), ("عثمان", "Osman"), ("صالح", "Saleh"),
]  # fmt: skip
NATIONALITIES = ["EGY", "JOR", "SYR", "YEM", "SDN", "PAK", "IND", "LBN"]

# Integer pseudo-random of a row number (Knuth's multiplicative hash): deterministic, well spread.
H = "(({x})::bigint * 2654435761 % 4294967296)"


def h(x: str, salt: int = 0) -> str:
    return H.format(x=f"{x} + {salt}")


def sql_array(values) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def pick(pairs, idx: str, script: int) -> str:
    """SQL for the Arabic (script 0) or English (1) item of `pairs` at integer expression idx."""
    arr = sql_array(p[script] for p in pairs)
    return f"({arr})[1 + (({idx}) % {len(pairs)})]"


LUHN_FN = """
CREATE OR REPLACE FUNCTION pg_temp.with_luhn(p text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT p || ((10 - sum(CASE WHEN k % 2 = 1
                               THEN (substr(p, k, 1)::int * 2) - CASE WHEN substr(p, k, 1)::int * 2 > 9 THEN 9 ELSE 0 END
                               ELSE substr(p, k, 1)::int END) % 10) % 10)::text
  FROM generate_series(1, 9) AS k
$$;
"""


class Command(BaseCommand):
    help = "Build a large benchmark data set (N people and their records) with set-based SQL in its own PostgreSQL database."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=1_000_000, help="number of people to add (multiple of 10)")
        parser.add_argument("--db", help="database name on the DATABASE_URL server (created when missing), e.g. absher_scale_1m")
        parser.add_argument("--database-url", help="full URL of the database to fill (instead of --db)")
        parser.add_argument("--as-of", help="the day the data is built around (YYYY-MM-DD, default today)")

    def handle(self, *args, **opts):
        n = opts["people"]
        if n < 0 or n % 10 or n > 9_999_990:
            raise CommandError("--people must be a multiple of 10 up to 9,999,990 (0: the demo people only)")
        as_of = dt.date.fromisoformat(opts["as_of"]) if opts["as_of"] else timezone.localdate()
        alias = self._database(opts)
        conn = connections[alias]
        if conn.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL (set DATABASE_URL or --database-url)")
        self.stdout.write(f"database {conn.settings_dict['NAME']}: migrate")
        call_command("migrate", database=alias, verbosity=0)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM registry_person WHERE id_number LIKE '17%' OR id_number LIKE '27%'")
            existing = cur.fetchone()[0]
        if existing:
            if existing == n or n == 0:
                self.stdout.write(f"already seeded with {n} people: nothing to do")
                return
            raise CommandError(f"this database already holds {existing} scale people; drop it to build {n}")
        self._demo(alias)
        if n == 0:
            return
        started = time.monotonic()
        with conn.cursor() as cur:
            cur.execute(LUHN_FN)
            cur.execute("SET synchronous_commit = off")
            for label, sql in self._steps(n, as_of):
                t = time.monotonic()
                cur.execute(sql)
                self.stdout.write(f"  {label:28} {cur.rowcount if cur.rowcount >= 0 else '':>10} rows  {time.monotonic() - t:6.1f} s")
            for table in TABLES:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 1))")
            t = time.monotonic()
            cur.execute("ANALYZE")
            self.stdout.write(f"  {'analyze':28} {'':>10}       {time.monotonic() - t:6.1f} s")
        self.stdout.write(self.style.SUCCESS(f"{n} people and their records in {time.monotonic() - started:.0f} s"))

    def _database(self, opts) -> str:
        """Point the default connection at the database to fill (created when missing)."""
        url = opts["database_url"]
        if opts["db"]:
            base = settings.DATABASES["default"]
            if "postgresql" not in base["ENGINE"]:
                raise CommandError("--db needs DATABASE_URL to point at PostgreSQL (source scripts/services.sh)")
            auth = base["USER"] + (f":{base['PASSWORD']}" if base.get("PASSWORD") else "")
            url = f"postgres://{auth}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}/{opts['db']}"
        if url:
            cfg = environ.Env.db_url_config(url)
            self._create_database(cfg)
            merged = {**connections.settings["default"], **cfg, "CONN_MAX_AGE": 0}
            connections["default"].close()
            connections.settings["default"] = merged
            settings.DATABASES["default"] = merged
            del connections["default"]  # the next use opens the scale database
        return "default"

    def _create_database(self, cfg):
        kwargs = dict(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"], dbname="postgres", autocommit=True)
        if cfg.get("PASSWORD"):
            kwargs["password"] = cfg["PASSWORD"]
        with psycopg.connect(**kwargs) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
                c.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(cfg["NAME"])))
                self.stdout.write(f"created database {cfg['NAME']}")

    def _demo(self, alias):
        """The demo people of portal.demo, so the same citizens sign in on both data sets."""
        seed()
        self.stdout.write("  demo people seeded")

    def _steps(self, n: int, as_of: dt.date):
        c = n // 5  # citizens
        D = f"DATE '{as_of.isoformat()}'"
        T = f"{D}::timestamptz"
        heads = n // 5  # heads of family (residents)
        male_ar, male_en = pick(MALE, h("i", 1), 0), pick(MALE, h("i", 1), 1)
        father_ar, father_en = pick(MALE, h("i", 2), 0), pick(MALE, h("i", 2), 1)
        female_ar, female_en = pick(FEMALE, h("i", 3), 0), pick(FEMALE, h("i", 3), 1)
        sa_ar, sa_en = pick(FAMILY_SA, h("i", 4), 0), pick(FAMILY_SA, h("i", 4), 1)
        res_ar, res_en = pick(FAMILY_RES, h("i", 4), 0), pick(FAMILY_RES, h("i", 4), 1)
        nat = f"({sql_array(NATIONALITIES)})[1 + ({h('i', 5)} % {len(NATIONALITIES)})]"
        # Person ids: base + i, with i = 1..c citizens, c+1..c+heads heads, then dependents
        # (dependent j of head k: i = c + heads + 3*(k-1) + j, j = 1 wife, 2 son, 3 daughter).
        base = "(SELECT coalesce(max(id), 0) FROM registry_person)"
        person_cols = (
            "id, version, id_number, kind, name_ar, name_en, birth_date, gender, nationality, mobile, email, preferred_language, photo, "
            "face_model, fingerprint_on_file, inside_kingdom, reported_absent, created_at, proof_of_study_on_file, "
            "proof_of_single_status_on_file"
        )
        mobile = f"'05' || lpad(({h('i', 6)} % 100000000)::text, 8, '0')"
        yield (
            "citizens",
            f"""INSERT INTO registry_person ({person_cols})
            SELECT b.base + i, 1, pg_temp.with_luhn('17' || lpad(i::text, 7, '0')), 'citizen',
              CASE WHEN i % 2 = 0 THEN {male_ar} ELSE {female_ar} END || ' ' || {father_ar} || ' ' || {sa_ar},
              CASE WHEN i % 2 = 0 THEN {male_en} ELSE {female_en} END || ' ' || {father_en} || ' ' || {sa_en},
              DATE '1950-01-01' + ({h("i", 7)} % 20000)::int, CASE WHEN i % 2 = 0 THEN 'M' ELSE 'F' END, 'SAU', {mobile}, '', 'ar', '',
              '', i % 3 = 0, true, false, {T} - make_interval(days => (i % 3650)), false, false
            FROM generate_series(1, {c}) AS i, (SELECT {base} AS base) AS b""",
        )
        # Heads (male) and dependents share the head's family name and nationality (hash of the head's number k).
        yield (
            "heads of family",
            f"""INSERT INTO registry_person ({person_cols})
            SELECT b.base + {c} + k, 1, pg_temp.with_luhn('27' || lpad(k::text, 7, '0')), 'resident',
              {male_ar.replace("i +", "k +")} || ' ' || {father_ar.replace("i +", "k +")} || ' ' || {res_ar.replace("i +", "k +")},
              {male_en.replace("i +", "k +")} || ' ' || {father_en.replace("i +", "k +")} || ' ' || {res_en.replace("i +", "k +")},
              DATE '1960-01-01' + ({h("k", 7)} % 10000)::int, 'M', {nat.replace("i +", "k +")}, {mobile.replace("i +", "k +")}, '', 'ar', '',
              '', true, true, false, {T} - make_interval(days => (k % 3650)), false, false
            FROM generate_series(1, {heads}) AS k, (SELECT coalesce(max(id), 0) - {c} AS base FROM registry_person) AS b""",
        )
        head_first_ar = pick(MALE, h("k", 1), 0)
        head_first_en = pick(MALE, h("k", 1), 1)
        head_fam_ar, head_fam_en = pick(FAMILY_RES, h("k", 4), 0), pick(FAMILY_RES, h("k", 4), 1)
        first_ar = f"CASE WHEN j = 2 THEN {pick(MALE, h('i', 1), 0)} ELSE {pick(FEMALE, h('i', 3), 0)} END"
        first_en = f"CASE WHEN j = 2 THEN {pick(MALE, h('i', 1), 1)} ELSE {pick(FEMALE, h('i', 3), 1)} END"
        yield (
            "dependents",
            f"""INSERT INTO registry_person ({person_cols})
            SELECT b.base + i, 1, pg_temp.with_luhn('27' || lpad((i - {c})::text, 7, '0')), 'resident',
              CASE WHEN j = 1 THEN {first_ar} || ' ' || {pick(MALE, h("i", 2), 0)} || ' ' || {pick(FAMILY_RES, h("i", 4), 0)}
                   ELSE {first_ar} || ' ' || {head_first_ar} || ' ' || {head_fam_ar} END,
              CASE WHEN j = 1 THEN {first_en} || ' ' || {pick(MALE, h("i", 2), 1)} || ' ' || {pick(FAMILY_RES, h("i", 4), 1)}
                   ELSE {first_en} || ' ' || {head_first_en} || ' ' || {head_fam_en} END,
              CASE WHEN j = 1 THEN DATE '1965-01-01' + ({h("i", 7)} % 9000)::int
                   ELSE {D} - (365 * 2 + ({h("i", 7)} % 7000))::int END,
              CASE WHEN j = 2 THEN 'M' ELSE 'F' END, {nat.replace("i +", "k +")}, CASE WHEN j = 1 THEN {mobile} ELSE '' END, '', 'ar', '',
              '', j = 1, true, false, {T} - make_interval(days => (k % 3650)), false, false
            FROM (SELECT k, j, {c} + {heads} + 3 * (k - 1) + j AS i FROM generate_series(1, {heads}) AS k, generate_series(1, 3) AS j) AS s,
                 (SELECT coalesce(max(id), 0) - {c} - {heads} AS base FROM registry_person) AS b""",
        )
        # p_base: the id of scale person i is p_base + i.
        p_base = "(SELECT min(id) - 1 FROM registry_person WHERE id_number = pg_temp.with_luhn('17' || lpad('1', 7, '0')))"
        yield (
            "family links",
            f"""INSERT INTO registry_familymember (version, relation, is_first_wife, head_id, person_id)
            SELECT 1, CASE j WHEN 1 THEN 'WIFE' WHEN 2 THEN 'SON' ELSE 'DAUGHTER' END, true,
              b.p + {c} + k, b.p + {c} + {heads} + 3 * (k - 1) + j
            FROM generate_series(1, {heads}) AS k, generate_series(1, 3) AS j, (SELECT {p_base} AS p) AS b
            ORDER BY k, j""",
        )
        yield (
            "ID cards",
            f"""INSERT INTO registry_nationalidcard (version, card_version, issue_date, expiry_date, status, person_id)
            SELECT 1, 1 + (i % 3), {D} - (3650 - ({h("i", 8)} % 4000))::int, {D} + ({h("i", 8)} % 4000)::int - 400,
              'ACTIVE', b.p + i
            FROM generate_series(1, {c}) AS i, (SELECT {p_base} AS p) AS b""",
        )
        residents = f"registry_person AS p, (SELECT {p_base} AS b) AS b WHERE p.id BETWEEN b.b + {c} + 1 AND b.b + {n}"
        yield (
            "iqamas",
            f"""INSERT INTO registry_iqama (version, issue_date, expiry_date, late_renewal_count, person_id)
            SELECT 1, {D} - 365 + ({h("p.id", 9)} % 700)::int - 300, {D} + ({h("p.id", 9)} % 700)::int - 300,
              CASE WHEN p.id % 50 = 0 THEN 1 ELSE 0 END, p.id
            FROM {residents} ORDER BY p.id""",
        )
        yield (
            "passports",
            f"""INSERT INTO registry_passport (version, number, issuing_country, expiry_date, current, person_id)
            SELECT 1, chr(65 + (p.id % 26)::int) || lpad(({h("p.id", 10)} % 100000000)::text, 8, '0'), p.nationality,
              {D} + ({h("p.id", 11)} % 3000)::int - 200, true, p.id
            FROM {residents} ORDER BY p.id""",
        )
        yield (
            "health insurances",
            f"""INSERT INTO registry_healthinsurance (version, provider, policy_number, expiry_date, person_id)
            SELECT 1, (ARRAY['Bupa Arabia','Tawuniya','MedGulf','Al Rajhi Takaful'])[1 + p.id % 4], 'POL-' || p.id_number,
              {D} + ({h("p.id", 12)} % 700)::int - 100, p.id
            FROM {residents} ORDER BY p.id""",
        )
        # Nafath requests: two per person, all answered or expired, over the past year.
        yield (
            "Nafath requests",
            f"""INSERT INTO nafath_nafathrequest (transaction_id, id_number, person_id, random_number, choices, status, channel, service,
              service_ar, oidc_client_id, user_agent, web_session_key, client_ip, created_at, expires_at, answered_at, answer_reason,
              web_nonce_digest)
            SELECT md5('nafath' || r)::uuid, p.id_number, p.id, 10 + r % 90, jsonb_build_array(10 + r % 90, 10 + (r + 31) % 90, 10 + (r + 57) % 90),
              (ARRAY['COMPLETED','COMPLETED','COMPLETED','COMPLETED','COMPLETED','COMPLETED','EXPIRED','REJECTED'])[1 + r % 8],
              CASE WHEN r % 3 = 0 THEN 'api' ELSE 'web' END, 'Sign in to Absher', '', '', 'Mozilla/5.0', '', '10.0.' || (r % 250) || '.' || (r % 200),
              t.at, t.at + interval '3 minutes', CASE WHEN r % 8 = 6 THEN NULL ELSE t.at + interval '40 seconds' END, '', ''
            FROM generate_series(1, {2 * n}) AS r
            JOIN registry_person AS p ON p.id = {p_base} + 1 + (r - 1) % {n}
            CROSS JOIN LATERAL (SELECT {T} - make_interval(mins => (({2 * n} - r)::bigint * 525600 / {2 * n})::int) AS at) AS t
            ORDER BY r""",
        )
        purposes = "(ARRAY['iqama_renewal','id_renewal','outstanding','visa','iqama_renewal'])"
        yield (
            "payments",
            f"""INSERT INTO payments_payment (reference, purpose, object_id, status, amount, currency, biller_code, bill_number, due_at, method,
              paid_at, bank_reference, card_last4, refund_reason, created_at, version, person_id)
            SELECT 'PAY-' || upper(lpad(to_hex(r), 10, '0')), {purposes}[1 + r % 5], '', s.status, (100 + r % 40 * 50)::numeric, 'SAR', '090',
              '9' || lpad(r::text, 11, '0'), t.at + interval '3 days', CASE WHEN s.status IN ('PAID','REFUNDED') THEN (ARRAY['SADAD','CARD'])[1 + r % 2] ELSE '' END,
              CASE WHEN s.status IN ('PAID','REFUNDED') THEN t.at + interval '1 hour' END,
              CASE WHEN s.status IN ('PAID','REFUNDED') THEN 'BNK' || lpad(r::text, 12, '0') END, '',
              CASE WHEN s.status = 'REFUNDED' THEN 'Rejected by an officer' ELSE '' END, t.at, 1, b.p + 1 + (r * 7 - 1) % {n}
            FROM generate_series(1, {n}) AS r, (SELECT {p_base} AS p) AS b,
            LATERAL (SELECT {T} - make_interval(mins => (({n} - r)::bigint * 525600 / {n})::int) AS at) AS t,
            LATERAL (SELECT (ARRAY['PAID','PAID','PAID','PAID','PAID','PAID','EXPIRED','PENDING','FAILED','REFUNDED'])[1 + r % 10] AS status) AS s
            ORDER BY r""",
        )
        yield (
            "audit entries",
            f"""INSERT INTO core_auditlog (at, action, person_id, object_type, object_id, from_status, to_status, ip, data)
            SELECT {T} - make_interval(mins => (({n} - r)::bigint * 525600 / {n})::int),
              (ARRAY['nafath.login','nafath.answer','payment.pay','renewal.transition'])[1 + r % 4], b.p + 1 + (r * 3) % {n},
              (ARRAY['nafath_request','nafath_request','payment','id_renewal'])[1 + r % 4], (r * 11)::text, '', '', '10.0.0.' || (r % 250), '{{}}'
            FROM generate_series(1, {n}) AS r, (SELECT {p_base} AS p) AS b
            ORDER BY r""",
        )
        statuses = (
            "(ARRAY['COLLECTED','DELIVERED','COLLECTED','DELIVERED','COLLECTED','DELIVERED','REJECTED','CANCELLED','PHOTO_REJECTED',"
            "'COLLECTED','DELIVERED','COLLECTED','DELIVERED','COLLECTED','DELIVERED','UNDER_REVIEW','AWAITING_PAYMENT','PRINTING',"
            "'READY_FOR_PICKUP','APPROVED'])"
        )
        yield (
            "ID renewals",
            f"""INSERT INTO civil_affairs_idrenewal (reference, status, status_changed_at, version, created_at, id_expiry, late_fine, photo,
              photo_sha256, photo_width, photo_height, photo_source, photo_flags, check_status, check_attempts, check_reasons, check_metrics,
              face_decision, face_distance, face_model, delivery_method, decision_reason, person_id)
            SELECT 'IDR-' || upper(lpad(to_hex(i), 10, '0')), s.status, t.at + interval '2 days', 1, t.at,
              t.at::date + 30, CASE WHEN i % 20 = 0 THEN 100 ELSE 0 END, '', md5('photo' || i), 480, 640, 'UPLOAD', '[]',
              CASE WHEN s.status = 'PHOTO_REJECTED' THEN 'FAILED' ELSE 'PASSED' END, 1, '[]', '{{}}',
              CASE WHEN s.status = 'UNDER_REVIEW' THEN 'REVIEW' ELSE 'MATCH' END, 0.3 + (i % 30) / 100.0, 'dlib-resnet',
              CASE WHEN i % 2 = 0 THEN 'POST' ELSE 'PICKUP' END, '', b.p + i
            FROM generate_series(1, {c}) AS i, (SELECT {p_base} AS p) AS b,
            LATERAL (SELECT {T} - make_interval(mins => (({c} - i)::bigint * 525600 / {c})::int) AS at) AS t,
            LATERAL (SELECT {statuses}[1 + ({h("i", 13)} % 20)] AS status) AS s
            ORDER BY i""",
        )
        renewals = heads // 2
        iq_statuses = "(ARRAY['APPROVED','APPROVED','APPROVED','APPROVED','APPROVED','APPROVED','UNDER_REVIEW','REJECTED','CANCELLED','AWAITING_PAYMENT'])"
        yield (
            "iqama renewals",
            f"""INSERT INTO passports_iqamarenewal (reference, status, stop_reason, decision_reason, processing_attempts, created_at, updated_at,
              version, head_id)
            SELECT 'IQR-' || upper(lpad(to_hex(k), 10, '0')), {iq_statuses}[1 + ({h("k", 14)} % 10)],
              '', '', 1, t.at, t.at + interval '1 hour', 1, b.p + {c} + 2 * k - 1
            FROM generate_series(1, {renewals}) AS k, (SELECT {p_base} AS p) AS b,
            LATERAL (SELECT {T} - make_interval(mins => (({renewals} - k)::bigint * 525600 / {renewals})::int) AS at) AS t
            ORDER BY k""",
        )
        yield (
            "iqama renewal items",
            f"""INSERT INTO passports_iqamarenewalitem (renewal_id, member_id, months, old_expiry, new_expiry, levy, iqama_fee, late_fine, total,
              late, is_open, checks_at_submit, checks_at_payment)
            SELECT r.id, fm.id, 12, r.created_at::date + 20, r.created_at::date + 385, 4800, 500, 0, 5300, false,
              r.status IN ('AWAITING_PAYMENT','PROCESSING','UNDER_REVIEW'), '[]', '[]'
            FROM passports_iqamarenewal AS r
            JOIN registry_familymember AS fm ON fm.head_id = r.head_id AND fm.relation = 'WIFE'
            WHERE r.head_id BETWEEN {p_base} + {c} + 1 AND {p_base} + {c} + {heads}
            ORDER BY r.id""",
        )


TABLES = [
    "registry_person",
    "registry_familymember",
    "registry_nationalidcard",
    "registry_iqama",
    "registry_passport",
    "registry_healthinsurance",
    "nafath_nafathrequest",
    "payments_payment",
    "core_auditlog",
    "civil_affairs_idrenewal",
    "passports_iqamarenewal",
    "passports_iqamarenewalitem",
]
