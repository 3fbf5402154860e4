"""postgres security: row-level security, policies, functions, triggers

On PostgreSQL this makes the database safe to expose to clients directly (the
Supabase model): every table in ``public`` gets row-level security, client roles
``anon`` / ``authenticated`` get table privileges and policies decide the rows.
The application connects as the table owner, to which RLS does not apply (no
FORCE ROW LEVEL SECURITY), so it keeps working unchanged.

On SQLite both directions do nothing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 09:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Marks the auth schema / auth.uid() created here (plain PostgreSQL), so the
# downgrade drops only what this migration made and never Supabase's own.
CREATED_HERE = "created by plataforma migration 0002"

# Roles are cluster-wide: created when missing (never dropped), the same way
# Supabase has them. Creating them needs CREATEROLE; on Supabase they exist.
# Then a Supabase-compatible auth.uid(): the `sub` of the request's JWT claims.
BOOTSTRAP_SQL = f"""
DO $bootstrap$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'anon') THEN
    BEGIN
      CREATE ROLE anon NOLOGIN NOINHERIT;
    EXCEPTION WHEN duplicate_object THEN NULL;  -- created concurrently
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
    BEGIN
      CREATE ROLE authenticated NOLOGIN NOINHERIT;
    EXCEPTION WHEN duplicate_object THEN NULL;
    END;
  END IF;
  IF to_regnamespace('auth') IS NULL THEN
    CREATE SCHEMA auth;
    COMMENT ON SCHEMA auth IS '{CREATED_HERE}';
    GRANT USAGE ON SCHEMA auth TO anon, authenticated;
  END IF;
  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid
      LANGUAGE sql STABLE
      AS $uid$
        SELECT coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
        )::uuid
      $uid$;
    COMMENT ON FUNCTION auth.uid() IS '{CREATED_HERE}';
    GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated;
  END IF;
END
$bootstrap$;
"""

UID = "(SELECT auth.uid())"  # a sub-select: evaluated once per statement, not per row
ADMIN = "(SELECT public.is_admin())"

FUNCTIONS_SQL = f"""
CREATE FUNCTION public.is_admin() RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
    SELECT EXISTS (SELECT 1 FROM public.profiles WHERE id = auth.uid() AND role = 'ADMIN')
  $$;
COMMENT ON FUNCTION public.is_admin() IS 'True when the caller (auth.uid()) has an ADMIN profile.';

CREATE FUNCTION public.project_visible(p_project_id uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
    SELECT EXISTS (
      SELECT 1 FROM public.projects p
      WHERE p.id = p_project_id AND (p.status <> 'DRAFT' OR public.is_admin())
    )
  $$;
COMMENT ON FUNCTION public.project_visible(uuid) IS 'A DRAFT project and everything in it is visible to admins only.';

CREATE FUNCTION public.event_visible(p_event_id uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
    SELECT EXISTS (
      SELECT 1 FROM public.events e JOIN public.projects p ON p.id = e.project_id
      WHERE e.id = p_event_id AND (p.status <> 'DRAFT' OR public.is_admin())
    )
  $$;

CREATE FUNCTION public.session_visible(p_session_id uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
    SELECT EXISTS (
      SELECT 1 FROM public.event_sessions s
      JOIN public.events e ON e.id = s.event_id
      JOIN public.projects p ON p.id = e.project_id
      WHERE s.id = p_session_id AND (p.status <> 'DRAFT' OR public.is_admin())
    )
  $$;

CREATE FUNCTION public.set_updated_at() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = public, pg_temp
  AS $$
  BEGIN
    -- Clients under RLS always get now(); the owner (the application) keeps the
    -- value it wrote itself, so its in-memory objects match the stored row.
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at OR row_security_active(TG_RELID) THEN
      NEW.updated_at := now();
    END IF;
    RETURN NEW;
  END
  $$;

CREATE FUNCTION public.guard_admin_columns() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = public, pg_temp
  AS $$
  DECLARE
    col text;
  BEGIN
    -- Policies cannot compare OLD and NEW: this stops a client from changing the
    -- columns named in the trigger arguments (role, pin, upvote count...) on rows
    -- it may otherwise update. The owner and admins are not restricted.
    IF NOT row_security_active(TG_RELID) OR public.is_admin() THEN
      RETURN NEW;
    END IF;
    FOREACH col IN ARRAY TG_ARGV LOOP
      IF to_jsonb(NEW) -> col IS DISTINCT FROM to_jsonb(OLD) -> col THEN
        RAISE EXCEPTION 'only an admin may change %.%', TG_TABLE_NAME, col USING ERRCODE = '42501';
      END IF;
    END LOOP;
    RETURN NEW;
  END
  $$;

CREATE FUNCTION public.create_profile_for_credential() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
  BEGIN
    -- Runs deferred, at commit: a path that inserts the profile itself in the same
    -- transaction (the application) wins, every other path gets a default one.
    INSERT INTO public.profiles (id, name, role, status, created_at, updated_at)
    SELECT c.id, left(split_part(c.email, '@', 1), 120), 'ATTENDEE', 'OFFLINE', now(), now()
    FROM public.credentials c
    WHERE c.id = NEW.id
    ON CONFLICT (id) DO NOTHING;
    RETURN NULL;
  END
  $$;

CREATE FUNCTION public.increment_upvotes(question_id uuid) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
  DECLARE
    uid uuid := auth.uid();
    new_count integer;
  BEGIN
    IF uid IS NULL THEN
      RAISE EXCEPTION 'increment_upvotes needs an authenticated user' USING ERRCODE = '42501';
    END IF;
    -- The row lock serialises concurrent upvotes of one question, so the count is exact.
    PERFORM 1 FROM public.questions q
      WHERE q.id = increment_upvotes.question_id
        AND public.session_visible(q.session_id)
        AND (NOT q.is_hidden OR q.user_id = uid OR public.is_admin())
      FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'question % not found', increment_upvotes.question_id USING ERRCODE = 'P0002';
    END IF;
    -- The caller's upvote, once; the count is the number of upvotes, so calling
    -- again (or after inserting the upvote row directly) never inflates it.
    INSERT INTO public.question_upvotes (question_id, user_id, created_at)
      VALUES (increment_upvotes.question_id, uid, now())
      ON CONFLICT DO NOTHING;
    UPDATE public.questions q
      SET upvotes = (SELECT count(*) FROM public.question_upvotes u WHERE u.question_id = q.id)
      WHERE q.id = increment_upvotes.question_id
      RETURNING q.upvotes INTO new_count;
    RETURN new_count;
  END
  $$;
COMMENT ON FUNCTION public.increment_upvotes(uuid) IS
  'Upvote a question as auth.uid() (once) and return its upvote count.';
REVOKE EXECUTE ON FUNCTION public.increment_upvotes(uuid) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.increment_upvotes(uuid) TO authenticated;
"""

FUNCTIONS = [
    "public.increment_upvotes(uuid)",
    "public.create_profile_for_credential()",
    "public.guard_admin_columns()",
    "public.set_updated_at()",
    "public.session_visible(uuid)",
    "public.event_visible(uuid)",
    "public.project_visible(uuid)",
    "public.is_admin()",
]

# Tables no client may touch (like Supabase's auth schema): RLS on, no policy, no grant.
SERVER_ONLY = ["credentials", "revoked_tokens", "alembic_version"]

# table -> [(policy name, command, USING, WITH CHECK)]; every table below also gets
# "<table>_admin_all". Policies apply to `authenticated` only: anon sees nothing.
SESSION = "public.session_visible(session_id)"
POLICIES = {
    "profiles": [
        ("profiles_select", "SELECT", "true", None),
        ("profiles_update_own", "UPDATE", f"id = {UID}", f"id = {UID}"),
    ],
    "projects": [("projects_select_visible", "SELECT", "status <> 'DRAFT'", None)],
    "events": [("events_select_visible", "SELECT", "public.project_visible(project_id)", None)],
    "event_sessions": [("event_sessions_select_visible", "SELECT", "public.event_visible(event_id)", None)],
    "streams": [("streams_select_visible", "SELECT", "public.event_visible(event_id)", None)],
    "rooms": [("rooms_select_visible", "SELECT", "public.event_visible(event_id)", None)],
    "products": [("products_select", "SELECT", "true", None)],
    "session_products": [("session_products_select_visible", "SELECT", SESSION, None)],
    "messages": [
        ("messages_select_visible", "SELECT", f"{SESSION} AND (NOT is_deleted OR user_id = {UID})", None),
        (
            "messages_insert_own",
            "INSERT",
            None,
            f"user_id = {UID} AND NOT is_pinned AND NOT is_deleted AND {SESSION}",
        ),
        ("messages_update_own", "UPDATE", f"user_id = {UID}", f"user_id = {UID}"),
        ("messages_delete_own", "DELETE", f"user_id = {UID}", None),
    ],
    "questions": [
        ("questions_select_visible", "SELECT", f"{SESSION} AND (NOT is_hidden OR user_id = {UID})", None),
        (
            "questions_insert_own",
            "INSERT",
            None,
            f"user_id = {UID} AND upvotes = 0 AND NOT is_answered AND NOT is_hidden AND {SESSION}",
        ),
        ("questions_update_own", "UPDATE", f"user_id = {UID}", f"user_id = {UID}"),
        ("questions_delete_own", "DELETE", f"user_id = {UID}", None),
    ],
    "question_upvotes": [
        ("question_upvotes_select_own", "SELECT", f"user_id = {UID}", None),
        (
            "question_upvotes_insert_own",
            "INSERT",
            None,
            f"user_id = {UID} AND EXISTS (SELECT 1 FROM public.questions q WHERE q.id = question_id)",
        ),
    ],
    "polls": [("polls_select_visible", "SELECT", SESSION, None)],
    "poll_options": [
        ("poll_options_select_visible", "SELECT", "EXISTS (SELECT 1 FROM public.polls p WHERE p.id = poll_id)", None)
    ],
    "poll_votes": [
        ("poll_votes_select_own", "SELECT", f"user_id = {UID}", None),
        (
            "poll_votes_insert_own",
            "INSERT",
            None,
            f"user_id = {UID} AND EXISTS (SELECT 1 FROM public.polls p WHERE p.id = poll_id AND p.is_active)",
        ),
    ],
    "surveys": [("surveys_select_visible", "SELECT", SESSION, None)],
    "survey_fields": [
        (
            "survey_fields_select_visible",
            "SELECT",
            "EXISTS (SELECT 1 FROM public.surveys s WHERE s.id = survey_id)",
            None,
        )
    ],
    "survey_responses": [
        ("survey_responses_select_own", "SELECT", f"user_id = {UID}", None),
        (
            "survey_responses_insert_own",
            "INSERT",
            None,
            f"user_id = {UID} AND EXISTS (SELECT 1 FROM public.surveys s WHERE s.id = survey_id AND s.is_active)",
        ),
    ],
    "reactions": [
        ("reactions_select_visible", "SELECT", SESSION, None),
        ("reactions_insert_own", "INSERT", None, f"user_id = {UID} AND {SESSION}"),
        ("reactions_delete_own", "DELETE", f"user_id = {UID}", None),
    ],
    "event_users": [("event_users_select_own", "SELECT", f"user_id = {UID}", None)],
    "session_views": [("session_views_select_own", "SELECT", f"user_id = {UID}", None)],
}

# Columns only an admin may change on rows a client may otherwise update.
GUARDED_COLUMNS = {
    "profiles": ["role"],
    "messages": ["session_id", "is_pinned", "is_deleted"],
    "questions": ["session_id", "upvotes", "is_answered", "is_hidden"],
}


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _public_tables() -> list[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    )
    return [name for (name,) in rows]


def _tables_with_updated_at() -> list[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT c.table_name FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = 'public' AND c.column_name = 'updated_at' AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name"
    )
    return [name for (name,) in rows]


def _policy_sql(table: str, name: str, command: str, using: str | None, check: str | None) -> str:
    sql = f"CREATE POLICY {name} ON public.{table} FOR {command} TO authenticated"
    if using is not None:
        sql += f" USING ({using})"
    if check is not None:
        sql += f" WITH CHECK ({check})"
    return sql


def upgrade():
    if not _is_postgres():
        return
    unknown = set(_public_tables()) - set(POLICIES) - set(SERVER_ONLY)
    if unknown:  # a new table must say who may see it before it is exposed
        raise RuntimeError(f"no row-level security rules for tables: {sorted(unknown)}")

    op.execute(BOOTSTRAP_SQL)
    op.execute(FUNCTIONS_SQL)

    for table in _public_tables():
        op.execute(f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY")

    op.execute("GRANT USAGE ON SCHEMA public TO anon, authenticated")
    for table in SERVER_ONLY:
        op.execute(f"REVOKE ALL ON public.{table} FROM anon, authenticated")
    for table, policies in POLICIES.items():
        # Privileges only open the door; the policies decide which rows.
        op.execute(f"GRANT SELECT ON public.{table} TO anon")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON public.{table} TO authenticated")
        for name, command, using, check in policies:
            op.execute(_policy_sql(table, name, command, using, check))
        op.execute(_policy_sql(table, f"{table}_admin_all", "ALL", ADMIN, ADMIN))

    for table, columns in GUARDED_COLUMNS.items():
        args = ", ".join(f"'{column}'" for column in columns)
        op.execute(
            f"CREATE TRIGGER {table}_guard_admin_columns BEFORE UPDATE ON public.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION public.guard_admin_columns({args})"
        )
    for table in _tables_with_updated_at():
        op.execute(
            f"CREATE TRIGGER {table}_set_updated_at BEFORE UPDATE ON public.{table} "
            "FOR EACH ROW EXECUTE FUNCTION public.set_updated_at()"
        )
    op.execute(
        "CREATE CONSTRAINT TRIGGER credentials_create_profile AFTER INSERT ON public.credentials "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.create_profile_for_credential()"
    )


def downgrade():
    if not _is_postgres():
        return
    op.execute("DROP TRIGGER IF EXISTS credentials_create_profile ON public.credentials")
    for table in _tables_with_updated_at():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_set_updated_at ON public.{table}")
    for table in GUARDED_COLUMNS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_guard_admin_columns ON public.{table}")
    for table, policies in POLICIES.items():
        for name, *_ in [*policies, (f"{table}_admin_all",)]:
            op.execute(f"DROP POLICY IF EXISTS {name} ON public.{table}")
        op.execute(f"REVOKE SELECT ON public.{table} FROM anon")
        op.execute(f"REVOKE SELECT, INSERT, UPDATE, DELETE ON public.{table} FROM authenticated")
    for table in _public_tables():
        op.execute(f"ALTER TABLE public.{table} DISABLE ROW LEVEL SECURITY")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    # auth.uid() and the auth schema only if this migration created them (plain PostgreSQL).
    op.execute(
        f"""
        DO $$
        BEGIN
          IF to_regprocedure('auth.uid()') IS NOT NULL
             AND obj_description('auth.uid()'::regprocedure, 'pg_proc') = '{CREATED_HERE}' THEN
            DROP FUNCTION auth.uid();
          END IF;
          IF to_regnamespace('auth') IS NOT NULL
             AND obj_description('auth'::regnamespace, 'pg_namespace') = '{CREATED_HERE}'
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relnamespace = 'auth'::regnamespace)
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE pronamespace = 'auth'::regnamespace) THEN
            DROP SCHEMA auth;
          END IF;
        END
        $$
        """
    )
    # Kept on purpose: the roles anon / authenticated (cluster-wide, may serve other
    # databases) and their USAGE on schema public (Supabase's Data API relies on it).
