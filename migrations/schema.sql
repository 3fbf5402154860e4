-- Plataforma Live: the complete schema for a fresh Supabase / PostgreSQL database.
--
-- GENERATED from the migrations by `python scripts/dump_schema.py`; do not edit.
-- tests/db/test_schema_sql.py fails when this file and the migrations differ.
-- Apply it once to an empty database (psql -v ON_ERROR_STOP=1 -f migrations/schema.sql),
-- then `flask --app wsgi db stamp head` if the migrations should manage it from there.

-- Roles anon/authenticated and auth.uid(), when missing (plain PostgreSQL; Supabase has them).
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
    COMMENT ON SCHEMA auth IS 'created by plataforma migration 0002';
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
    COMMENT ON FUNCTION auth.uid() IS 'created by plataforma migration 0002';
    GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated;
  END IF;
END
$bootstrap$;

--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';

--
-- Name: create_profile_for_credential(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.create_profile_for_credential() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
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

--
-- Name: event_visible(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.event_visible(p_event_id uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT EXISTS (
      SELECT 1 FROM public.events e JOIN public.projects p ON p.id = e.project_id
      WHERE e.id = p_event_id AND (p.status <> 'DRAFT' OR public.is_admin())
    )
  $$;

--
-- Name: guard_admin_columns(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.guard_admin_columns() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
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

--
-- Name: increment_upvotes(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.increment_upvotes(question_id uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
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

--
-- Name: FUNCTION increment_upvotes(question_id uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.increment_upvotes(question_id uuid) IS 'Upvote a question as auth.uid() (once) and return its upvote count.';

--
-- Name: is_admin(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.is_admin() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT EXISTS (SELECT 1 FROM public.profiles WHERE id = auth.uid() AND role = 'ADMIN')
  $$;

--
-- Name: FUNCTION is_admin(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.is_admin() IS 'True when the caller (auth.uid()) has an ADMIN profile.';

--
-- Name: project_visible(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.project_visible(p_project_id uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT EXISTS (
      SELECT 1 FROM public.projects p
      WHERE p.id = p_project_id AND (p.status <> 'DRAFT' OR public.is_admin())
    )
  $$;

--
-- Name: FUNCTION project_visible(p_project_id uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.project_visible(p_project_id uuid) IS 'A DRAFT project and everything in it is visible to admins only.';

--
-- Name: session_visible(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.session_visible(p_session_id uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT EXISTS (
      SELECT 1 FROM public.event_sessions s
      JOIN public.events e ON e.id = s.event_id
      JOIN public.projects p ON p.id = e.project_id
      WHERE s.id = p_session_id AND (p.status <> 'DRAFT' OR public.is_admin())
    )
  $$;

--
-- Name: set_updated_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
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

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    event_id uuid NOT NULL,
    session_id uuid,
    actor_id uuid,
    action character varying(40) NOT NULL,
    target_type character varying(40) NOT NULL,
    target_id character varying(64),
    details jsonb NOT NULL,
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: credentials; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.credentials (
    id uuid NOT NULL,
    email character varying(254) NOT NULL,
    password_hash character varying(255),
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: event_bans; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.event_bans (
    event_id uuid NOT NULL,
    user_id uuid NOT NULL,
    until timestamp with time zone,
    reason character varying(500),
    created_by uuid,
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: event_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.event_sessions (
    event_id uuid NOT NULL,
    title character varying(200) NOT NULL,
    description text,
    speaker character varying(200),
    start_time timestamp with time zone,
    end_time timestamp with time zone,
    id uuid NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    search_title text,
    search_text text,
    chat_enabled boolean DEFAULT true NOT NULL,
    slow_mode_seconds integer DEFAULT 0 NOT NULL,
    questions_enabled boolean DEFAULT true NOT NULL,
    question_moderation boolean DEFAULT false NOT NULL,
    anonymous_questions boolean DEFAULT false NOT NULL,
    blocked_terms jsonb DEFAULT '[]'::jsonb NOT NULL
);

--
-- Name: event_users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.event_users (
    event_id uuid NOT NULL,
    user_id uuid NOT NULL,
    joined_at timestamp with time zone NOT NULL,
    left_at timestamp with time zone,
    watch_time integer DEFAULT 0 NOT NULL,
    engagement_score double precision DEFAULT '0'::double precision NOT NULL,
    id uuid NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    project_id uuid NOT NULL,
    title character varying(200) NOT NULL,
    description text,
    slug character varying(220) NOT NULL,
    status character varying(16) NOT NULL,
    start_time timestamp with time zone,
    end_time timestamp with time zone,
    id uuid NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    category character varying(100),
    tags jsonb,
    search_title text,
    search_text text,
    allow_guests boolean DEFAULT false NOT NULL,
    CONSTRAINT ck_events_event_status CHECK (((status)::text = ANY ((ARRAY['SCHEDULED'::character varying, 'LIVE'::character varying, 'ENDED'::character varying])::text[])))
);

--
-- Name: messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.messages (
    session_id uuid NOT NULL,
    user_id uuid NOT NULL,
    text character varying(500) NOT NULL,
    is_pinned boolean NOT NULL,
    is_deleted boolean NOT NULL,
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: poll_options; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.poll_options (
    poll_id uuid NOT NULL,
    text character varying(200) NOT NULL,
    "position" integer NOT NULL,
    id uuid NOT NULL
);

--
-- Name: poll_votes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.poll_votes (
    poll_id uuid NOT NULL,
    option_id uuid NOT NULL,
    user_id uuid NOT NULL,
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: polls; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.polls (
    session_id uuid NOT NULL,
    question character varying(500) NOT NULL,
    is_active boolean NOT NULL,
    id uuid NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    results_visibility character varying(16) DEFAULT 'LIVE'::character varying NOT NULL,
    CONSTRAINT ck_polls_poll_results_visibility CHECK (((results_visibility)::text = ANY ((ARRAY['LIVE'::character varying, 'AFTER_CLOSE'::character varying])::text[])))
);

--
-- Name: product_clicks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.product_clicks (
    session_id uuid NOT NULL,
    product_id uuid NOT NULL,
    user_id uuid,
    guest_id uuid,
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: product_feature_spans; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.product_feature_spans (
    session_id uuid NOT NULL,
    product_id uuid NOT NULL,
    started_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone,
    id uuid NOT NULL
);

--
-- Name: products; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.products (
    name character varying(200) NOT NULL,
    description text,
    price numeric(12,2) NOT NULL,
    original_price numeric(12,2),
    category character varying(100),
    in_stock boolean NOT NULL,
    image_url character varying(1000),
    seller_id uuid,
    id uuid NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    currency character varying(3) DEFAULT 'USD'::character varying NOT NULL,
    search_title text,
    search_text text
);

--
-- Name: profiles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.profiles (
    id uuid NOT NULL,
    name character varying(120) NOT NULL,
    role character varying(16) NOT NULL,
    avatar character varying(500),
    company character varying(120),
    title character varying(120),
    status character varying(16) NOT NULL,
    last_login_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_profiles_profile_role CHECK (((role)::text = ANY ((ARRAY['ATTENDEE'::character varying, 'MODERATOR'::character varying, 'ADMIN'::character varying])::text[]))),
    CONSTRAINT ck_profiles_profile_status CHECK (((status)::text = ANY ((ARRAY['ONLINE'::character varying, 'OFFLINE'::character varying, 'AWAY'::character varying])::text[])))
);

--
-- Name: projects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.projects (
    name character varying(200) NOT NULL,
    description text,
    status character varying(16) NOT NULL,
    is_on_demand boolean NOT NULL,
    youtube_video_id character varying(64),
    thumbnail character varying(500),
    id uuid NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_projects_project_status CHECK (((status)::text = ANY ((ARRAY['DRAFT'::character varying, 'LIVE'::character varying, 'ENDED'::character varying])::text[])))
);

--
-- Name: question_upvotes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.question_upvotes (
    question_id uuid NOT NULL,
    user_id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: questions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.questions (
    session_id uuid NOT NULL,
    user_id uuid NOT NULL,
    text character varying(500) NOT NULL,
    upvotes integer DEFAULT 0 NOT NULL,
    is_answered boolean NOT NULL,
    is_hidden boolean NOT NULL,
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    status character varying(16) DEFAULT 'APPROVED'::character varying NOT NULL,
    is_anonymous boolean DEFAULT false NOT NULL,
    CONSTRAINT ck_questions_question_status CHECK (((status)::text = ANY ((ARRAY['PENDING'::character varying, 'APPROVED'::character varying])::text[])))
);

--
-- Name: reaction_totals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reaction_totals (
    session_id uuid NOT NULL,
    type character varying(16) NOT NULL,
    count bigint NOT NULL
);

--
-- Name: reactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reactions (
    session_id uuid NOT NULL,
    user_id uuid NOT NULL,
    type character varying(32) NOT NULL,
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: revoked_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revoked_tokens (
    jti character varying(64) NOT NULL,
    token_type character varying(16) NOT NULL,
    user_id uuid,
    expires_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone NOT NULL
);

--
-- Name: rooms; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rooms (
    event_id uuid NOT NULL,
    name character varying(200) NOT NULL,
    speaker character varying(200),
    topic character varying(500),
    thumbnail character varying(500),
    is_main_stage boolean NOT NULL,
    id uuid NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: session_event_counters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.session_event_counters (
    session_id uuid NOT NULL,
    last_seq bigint DEFAULT '0'::bigint NOT NULL
);

--
-- Name: session_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.session_events (
    session_id uuid NOT NULL,
    seq bigint NOT NULL,
    event character varying(40) NOT NULL,
    data jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: session_products; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.session_products (
    session_id uuid NOT NULL,
    product_id uuid NOT NULL,
    featured boolean NOT NULL,
    display_order integer NOT NULL,
    featured_at timestamp with time zone,
    added_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

--
-- Name: session_views; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.session_views (
    session_id uuid NOT NULL,
    user_id uuid,
    joined_at timestamp with time zone NOT NULL,
    left_at timestamp with time zone,
    id uuid NOT NULL,
    guest_id uuid,
    CONSTRAINT ck_session_views_one_viewer CHECK (((user_id IS NULL) <> (guest_id IS NULL)))
);

--
-- Name: streams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.streams (
    event_id uuid NOT NULL,
    source_type character varying(16) NOT NULL,
    source_url character varying(1000),
    status character varying(16) NOT NULL,
    started_at timestamp with time zone,
    ended_at timestamp with time zone,
    id uuid NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_streams_stream_source CHECK (((source_type)::text = ANY ((ARRAY['YOUTUBE'::character varying, 'RTMP'::character varying, 'HLS'::character varying, 'AGORA'::character varying])::text[]))),
    CONSTRAINT ck_streams_stream_status CHECK (((status)::text = ANY ((ARRAY['IDLE'::character varying, 'LIVE'::character varying, 'PAUSED'::character varying, 'ENDED'::character varying])::text[])))
);

--
-- Name: survey_fields; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.survey_fields (
    survey_id uuid NOT NULL,
    question character varying(500) NOT NULL,
    type character varying(16) NOT NULL,
    options jsonb,
    required boolean NOT NULL,
    "position" integer NOT NULL,
    id uuid NOT NULL,
    CONSTRAINT ck_survey_fields_survey_field_type CHECK (((type)::text = ANY ((ARRAY['RATING'::character varying, 'TEXT'::character varying, 'CHOICE'::character varying])::text[])))
);

--
-- Name: survey_responses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.survey_responses (
    survey_id uuid NOT NULL,
    user_id uuid NOT NULL,
    responses jsonb NOT NULL,
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: surveys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.surveys (
    session_id uuid NOT NULL,
    title character varying(200) NOT NULL,
    is_active boolean NOT NULL,
    id uuid NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: webhook_deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_deliveries (
    webhook_id uuid NOT NULL,
    event character varying(40) NOT NULL,
    payload jsonb NOT NULL,
    status character varying(16) NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    attempts_left integer NOT NULL,
    last_status_code integer,
    last_error character varying(500),
    next_attempt_at timestamp with time zone,
    delivered_at timestamp with time zone,
    claimed_until timestamp with time zone,
    claim_token uuid,
    id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_webhook_deliveries_webhook_delivery_status CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, 'delivered'::character varying, 'failed'::character varying])::text[])))
);

--
-- Name: webhooks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhooks (
    url character varying(2000) NOT NULL,
    events jsonb NOT NULL,
    description character varying(500),
    secret character varying(100) NOT NULL,
    created_by uuid,
    id uuid NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL
);

--
-- Name: audit_log pk_audit_log; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT pk_audit_log PRIMARY KEY (id);

--
-- Name: credentials pk_credentials; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credentials
    ADD CONSTRAINT pk_credentials PRIMARY KEY (id);

--
-- Name: event_bans pk_event_bans; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_bans
    ADD CONSTRAINT pk_event_bans PRIMARY KEY (id);

--
-- Name: event_sessions pk_event_sessions; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_sessions
    ADD CONSTRAINT pk_event_sessions PRIMARY KEY (id);

--
-- Name: event_users pk_event_users; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_users
    ADD CONSTRAINT pk_event_users PRIMARY KEY (id);

--
-- Name: events pk_events; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT pk_events PRIMARY KEY (id);

--
-- Name: messages pk_messages; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT pk_messages PRIMARY KEY (id);

--
-- Name: poll_options pk_poll_options; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.poll_options
    ADD CONSTRAINT pk_poll_options PRIMARY KEY (id);

--
-- Name: poll_votes pk_poll_votes; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.poll_votes
    ADD CONSTRAINT pk_poll_votes PRIMARY KEY (id);

--
-- Name: polls pk_polls; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polls
    ADD CONSTRAINT pk_polls PRIMARY KEY (id);

--
-- Name: product_clicks pk_product_clicks; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.product_clicks
    ADD CONSTRAINT pk_product_clicks PRIMARY KEY (id);

--
-- Name: product_feature_spans pk_product_feature_spans; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.product_feature_spans
    ADD CONSTRAINT pk_product_feature_spans PRIMARY KEY (id);

--
-- Name: products pk_products; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.products
    ADD CONSTRAINT pk_products PRIMARY KEY (id);

--
-- Name: profiles pk_profiles; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.profiles
    ADD CONSTRAINT pk_profiles PRIMARY KEY (id);

--
-- Name: projects pk_projects; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.projects
    ADD CONSTRAINT pk_projects PRIMARY KEY (id);

--
-- Name: question_upvotes pk_question_upvotes; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.question_upvotes
    ADD CONSTRAINT pk_question_upvotes PRIMARY KEY (question_id, user_id);

--
-- Name: questions pk_questions; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.questions
    ADD CONSTRAINT pk_questions PRIMARY KEY (id);

--
-- Name: reaction_totals pk_reaction_totals; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reaction_totals
    ADD CONSTRAINT pk_reaction_totals PRIMARY KEY (session_id, type);

--
-- Name: reactions pk_reactions; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reactions
    ADD CONSTRAINT pk_reactions PRIMARY KEY (id);

--
-- Name: revoked_tokens pk_revoked_tokens; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revoked_tokens
    ADD CONSTRAINT pk_revoked_tokens PRIMARY KEY (jti);

--
-- Name: rooms pk_rooms; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rooms
    ADD CONSTRAINT pk_rooms PRIMARY KEY (id);

--
-- Name: session_event_counters pk_session_event_counters; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_event_counters
    ADD CONSTRAINT pk_session_event_counters PRIMARY KEY (session_id);

--
-- Name: session_events pk_session_events; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_events
    ADD CONSTRAINT pk_session_events PRIMARY KEY (session_id, seq);

--
-- Name: session_products pk_session_products; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_products
    ADD CONSTRAINT pk_session_products PRIMARY KEY (session_id, product_id);

--
-- Name: session_views pk_session_views; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_views
    ADD CONSTRAINT pk_session_views PRIMARY KEY (id);

--
-- Name: streams pk_streams; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.streams
    ADD CONSTRAINT pk_streams PRIMARY KEY (id);

--
-- Name: survey_fields pk_survey_fields; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.survey_fields
    ADD CONSTRAINT pk_survey_fields PRIMARY KEY (id);

--
-- Name: survey_responses pk_survey_responses; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.survey_responses
    ADD CONSTRAINT pk_survey_responses PRIMARY KEY (id);

--
-- Name: surveys pk_surveys; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.surveys
    ADD CONSTRAINT pk_surveys PRIMARY KEY (id);

--
-- Name: webhook_deliveries pk_webhook_deliveries; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT pk_webhook_deliveries PRIMARY KEY (id);

--
-- Name: webhooks pk_webhooks; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhooks
    ADD CONSTRAINT pk_webhooks PRIMARY KEY (id);

--
-- Name: credentials uq_credentials_email; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credentials
    ADD CONSTRAINT uq_credentials_email UNIQUE (email);

--
-- Name: event_bans uq_event_bans_event_id_user_id; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_bans
    ADD CONSTRAINT uq_event_bans_event_id_user_id UNIQUE (event_id, user_id);

--
-- Name: event_users uq_event_users_event_id_user_id; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_users
    ADD CONSTRAINT uq_event_users_event_id_user_id UNIQUE (event_id, user_id);

--
-- Name: events uq_events_slug; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT uq_events_slug UNIQUE (slug);

--
-- Name: poll_options uq_poll_options_id_poll_id; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.poll_options
    ADD CONSTRAINT uq_poll_options_id_poll_id UNIQUE (id, poll_id);

--
-- Name: survey_responses uq_survey_responses_survey_id_user_id; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.survey_responses
    ADD CONSTRAINT uq_survey_responses_survey_id_user_id UNIQUE (survey_id, user_id);

--
-- Name: ix_audit_log_event_id_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_log_event_id_created_at ON public.audit_log USING btree (event_id, created_at);

--
-- Name: ix_event_bans_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_bans_user_id ON public.event_bans USING btree (user_id);

--
-- Name: ix_event_sessions_event_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_sessions_event_id ON public.event_sessions USING btree (event_id);

--
-- Name: ix_event_sessions_search_text_trgm; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_sessions_search_text_trgm ON public.event_sessions USING gin (search_text public.gin_trgm_ops);

--
-- Name: ix_event_users_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_users_user_id ON public.event_users USING btree (user_id);

--
-- Name: ix_events_category; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_events_category ON public.events USING btree (category);

--
-- Name: ix_events_project_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_events_project_id ON public.events USING btree (project_id);

--
-- Name: ix_events_search_text_trgm; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_events_search_text_trgm ON public.events USING gin (search_text public.gin_trgm_ops);

--
-- Name: ix_events_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_events_status ON public.events USING btree (status);

--
-- Name: ix_events_tags; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_events_tags ON public.events USING gin (tags);

--
-- Name: ix_messages_session_id_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_messages_session_id_created_at ON public.messages USING btree (session_id, created_at);

--
-- Name: ix_messages_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_messages_user_id ON public.messages USING btree (user_id);

--
-- Name: ix_poll_options_poll_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_poll_options_poll_id ON public.poll_options USING btree (poll_id);

--
-- Name: ix_poll_votes_option_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_poll_votes_option_id ON public.poll_votes USING btree (option_id);

--
-- Name: ix_poll_votes_poll_id_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_poll_votes_poll_id_user_id ON public.poll_votes USING btree (poll_id, user_id);

--
-- Name: ix_poll_votes_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_poll_votes_user_id ON public.poll_votes USING btree (user_id);

--
-- Name: ix_polls_session_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_polls_session_id ON public.polls USING btree (session_id);

--
-- Name: ix_product_clicks_session_id_product_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_product_clicks_session_id_product_id ON public.product_clicks USING btree (session_id, product_id);

--
-- Name: ix_product_clicks_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_product_clicks_user_id ON public.product_clicks USING btree (user_id);

--
-- Name: ix_product_feature_spans_session_id_product_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_product_feature_spans_session_id_product_id ON public.product_feature_spans USING btree (session_id, product_id);

--
-- Name: ix_products_category; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_products_category ON public.products USING btree (category);

--
-- Name: ix_products_search_text_trgm; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_products_search_text_trgm ON public.products USING gin (search_text public.gin_trgm_ops);

--
-- Name: ix_products_seller_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_products_seller_id ON public.products USING btree (seller_id);

--
-- Name: ix_profiles_role; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_profiles_role ON public.profiles USING btree (role);

--
-- Name: ix_question_upvotes_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_question_upvotes_user_id ON public.question_upvotes USING btree (user_id);

--
-- Name: ix_questions_session_id_upvotes; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_questions_session_id_upvotes ON public.questions USING btree (session_id, upvotes DESC);

--
-- Name: ix_questions_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_questions_user_id ON public.questions USING btree (user_id);

--
-- Name: ix_reactions_session_id_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_reactions_session_id_created_at ON public.reactions USING btree (session_id, created_at);

--
-- Name: ix_reactions_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_reactions_user_id ON public.reactions USING btree (user_id);

--
-- Name: ix_revoked_tokens_expires_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_revoked_tokens_expires_at ON public.revoked_tokens USING btree (expires_at);

--
-- Name: ix_rooms_event_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_rooms_event_id ON public.rooms USING btree (event_id);

--
-- Name: ix_session_events_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_session_events_created_at ON public.session_events USING btree (created_at);

--
-- Name: ix_session_products_product_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_session_products_product_id ON public.session_products USING btree (product_id);

--
-- Name: ix_session_views_session_id_joined_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_session_views_session_id_joined_at ON public.session_views USING btree (session_id, joined_at);

--
-- Name: ix_session_views_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_session_views_user_id ON public.session_views USING btree (user_id);

--
-- Name: ix_streams_event_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_streams_event_id ON public.streams USING btree (event_id);

--
-- Name: ix_survey_fields_survey_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_survey_fields_survey_id ON public.survey_fields USING btree (survey_id);

--
-- Name: ix_survey_responses_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_survey_responses_user_id ON public.survey_responses USING btree (user_id);

--
-- Name: ix_surveys_session_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_surveys_session_id ON public.surveys USING btree (session_id);

--
-- Name: ix_webhook_deliveries_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_webhook_deliveries_due ON public.webhook_deliveries USING btree (status, next_attempt_at);

--
-- Name: ix_webhook_deliveries_webhook_id_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_webhook_deliveries_webhook_id_created_at ON public.webhook_deliveries USING btree (webhook_id, created_at);

--
-- Name: uq_polls_one_active_per_session; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX uq_polls_one_active_per_session ON public.polls USING btree (session_id) WHERE is_active;

--
-- Name: credentials credentials_create_profile; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER credentials_create_profile AFTER INSERT ON public.credentials DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.create_profile_for_credential();

--
-- Name: credentials credentials_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER credentials_set_updated_at BEFORE UPDATE ON public.credentials FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: event_sessions event_sessions_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER event_sessions_set_updated_at BEFORE UPDATE ON public.event_sessions FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: event_users event_users_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER event_users_set_updated_at BEFORE UPDATE ON public.event_users FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: events events_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER events_set_updated_at BEFORE UPDATE ON public.events FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: messages messages_guard_admin_columns; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER messages_guard_admin_columns BEFORE UPDATE ON public.messages FOR EACH ROW EXECUTE FUNCTION public.guard_admin_columns('session_id', 'is_pinned', 'is_deleted');

--
-- Name: polls polls_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER polls_set_updated_at BEFORE UPDATE ON public.polls FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: products products_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER products_set_updated_at BEFORE UPDATE ON public.products FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: profiles profiles_guard_admin_columns; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER profiles_guard_admin_columns BEFORE UPDATE ON public.profiles FOR EACH ROW EXECUTE FUNCTION public.guard_admin_columns('role');

--
-- Name: profiles profiles_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER profiles_set_updated_at BEFORE UPDATE ON public.profiles FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: projects projects_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON public.projects FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: questions questions_guard_admin_columns; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER questions_guard_admin_columns BEFORE UPDATE ON public.questions FOR EACH ROW EXECUTE FUNCTION public.guard_admin_columns('session_id', 'upvotes', 'is_answered', 'is_hidden', 'status');

--
-- Name: rooms rooms_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER rooms_set_updated_at BEFORE UPDATE ON public.rooms FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: streams streams_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER streams_set_updated_at BEFORE UPDATE ON public.streams FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: surveys surveys_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER surveys_set_updated_at BEFORE UPDATE ON public.surveys FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: webhooks webhooks_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER webhooks_set_updated_at BEFORE UPDATE ON public.webhooks FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: audit_log fk_audit_log_actor_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT fk_audit_log_actor_id_profiles FOREIGN KEY (actor_id) REFERENCES public.profiles(id) ON DELETE SET NULL;

--
-- Name: audit_log fk_audit_log_event_id_events; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT fk_audit_log_event_id_events FOREIGN KEY (event_id) REFERENCES public.events(id) ON DELETE CASCADE;

--
-- Name: event_bans fk_event_bans_created_by_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_bans
    ADD CONSTRAINT fk_event_bans_created_by_profiles FOREIGN KEY (created_by) REFERENCES public.profiles(id) ON DELETE SET NULL;

--
-- Name: event_bans fk_event_bans_event_id_events; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_bans
    ADD CONSTRAINT fk_event_bans_event_id_events FOREIGN KEY (event_id) REFERENCES public.events(id) ON DELETE CASCADE;

--
-- Name: event_bans fk_event_bans_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_bans
    ADD CONSTRAINT fk_event_bans_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

--
-- Name: event_sessions fk_event_sessions_event_id_events; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_sessions
    ADD CONSTRAINT fk_event_sessions_event_id_events FOREIGN KEY (event_id) REFERENCES public.events(id) ON DELETE CASCADE;

--
-- Name: event_users fk_event_users_event_id_events; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_users
    ADD CONSTRAINT fk_event_users_event_id_events FOREIGN KEY (event_id) REFERENCES public.events(id) ON DELETE CASCADE;

--
-- Name: event_users fk_event_users_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event_users
    ADD CONSTRAINT fk_event_users_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

--
-- Name: events fk_events_project_id_projects; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT fk_events_project_id_projects FOREIGN KEY (project_id) REFERENCES public.projects(id) ON DELETE CASCADE;

--
-- Name: messages fk_messages_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT fk_messages_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: messages fk_messages_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.messages
    ADD CONSTRAINT fk_messages_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

--
-- Name: poll_options fk_poll_options_poll_id_polls; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.poll_options
    ADD CONSTRAINT fk_poll_options_poll_id_polls FOREIGN KEY (poll_id) REFERENCES public.polls(id) ON DELETE CASCADE;

--
-- Name: poll_votes fk_poll_votes_option_of_poll; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.poll_votes
    ADD CONSTRAINT fk_poll_votes_option_of_poll FOREIGN KEY (option_id, poll_id) REFERENCES public.poll_options(id, poll_id) ON DELETE CASCADE;

--
-- Name: poll_votes fk_poll_votes_poll_id_polls; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.poll_votes
    ADD CONSTRAINT fk_poll_votes_poll_id_polls FOREIGN KEY (poll_id) REFERENCES public.polls(id) ON DELETE CASCADE;

--
-- Name: poll_votes fk_poll_votes_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.poll_votes
    ADD CONSTRAINT fk_poll_votes_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

--
-- Name: polls fk_polls_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polls
    ADD CONSTRAINT fk_polls_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: product_clicks fk_product_clicks_product_id_products; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.product_clicks
    ADD CONSTRAINT fk_product_clicks_product_id_products FOREIGN KEY (product_id) REFERENCES public.products(id) ON DELETE CASCADE;

--
-- Name: product_clicks fk_product_clicks_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.product_clicks
    ADD CONSTRAINT fk_product_clicks_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: product_clicks fk_product_clicks_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.product_clicks
    ADD CONSTRAINT fk_product_clicks_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE SET NULL;

--
-- Name: product_feature_spans fk_product_feature_spans_product_id_products; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.product_feature_spans
    ADD CONSTRAINT fk_product_feature_spans_product_id_products FOREIGN KEY (product_id) REFERENCES public.products(id) ON DELETE CASCADE;

--
-- Name: product_feature_spans fk_product_feature_spans_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.product_feature_spans
    ADD CONSTRAINT fk_product_feature_spans_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: products fk_products_seller_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.products
    ADD CONSTRAINT fk_products_seller_id_profiles FOREIGN KEY (seller_id) REFERENCES public.profiles(id) ON DELETE SET NULL;

--
-- Name: profiles fk_profiles_id_credentials; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.profiles
    ADD CONSTRAINT fk_profiles_id_credentials FOREIGN KEY (id) REFERENCES public.credentials(id) ON DELETE CASCADE;

--
-- Name: question_upvotes fk_question_upvotes_question_id_questions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.question_upvotes
    ADD CONSTRAINT fk_question_upvotes_question_id_questions FOREIGN KEY (question_id) REFERENCES public.questions(id) ON DELETE CASCADE;

--
-- Name: question_upvotes fk_question_upvotes_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.question_upvotes
    ADD CONSTRAINT fk_question_upvotes_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

--
-- Name: questions fk_questions_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.questions
    ADD CONSTRAINT fk_questions_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: questions fk_questions_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.questions
    ADD CONSTRAINT fk_questions_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

--
-- Name: reaction_totals fk_reaction_totals_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reaction_totals
    ADD CONSTRAINT fk_reaction_totals_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: reactions fk_reactions_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reactions
    ADD CONSTRAINT fk_reactions_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: reactions fk_reactions_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reactions
    ADD CONSTRAINT fk_reactions_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

--
-- Name: revoked_tokens fk_revoked_tokens_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revoked_tokens
    ADD CONSTRAINT fk_revoked_tokens_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

--
-- Name: rooms fk_rooms_event_id_events; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rooms
    ADD CONSTRAINT fk_rooms_event_id_events FOREIGN KEY (event_id) REFERENCES public.events(id) ON DELETE CASCADE;

--
-- Name: session_event_counters fk_session_event_counters_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_event_counters
    ADD CONSTRAINT fk_session_event_counters_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: session_events fk_session_events_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_events
    ADD CONSTRAINT fk_session_events_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: session_products fk_session_products_product_id_products; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_products
    ADD CONSTRAINT fk_session_products_product_id_products FOREIGN KEY (product_id) REFERENCES public.products(id) ON DELETE CASCADE;

--
-- Name: session_products fk_session_products_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_products
    ADD CONSTRAINT fk_session_products_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: session_views fk_session_views_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_views
    ADD CONSTRAINT fk_session_views_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: session_views fk_session_views_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_views
    ADD CONSTRAINT fk_session_views_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

--
-- Name: streams fk_streams_event_id_events; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.streams
    ADD CONSTRAINT fk_streams_event_id_events FOREIGN KEY (event_id) REFERENCES public.events(id) ON DELETE CASCADE;

--
-- Name: survey_fields fk_survey_fields_survey_id_surveys; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.survey_fields
    ADD CONSTRAINT fk_survey_fields_survey_id_surveys FOREIGN KEY (survey_id) REFERENCES public.surveys(id) ON DELETE CASCADE;

--
-- Name: survey_responses fk_survey_responses_survey_id_surveys; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.survey_responses
    ADD CONSTRAINT fk_survey_responses_survey_id_surveys FOREIGN KEY (survey_id) REFERENCES public.surveys(id) ON DELETE CASCADE;

--
-- Name: survey_responses fk_survey_responses_user_id_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.survey_responses
    ADD CONSTRAINT fk_survey_responses_user_id_profiles FOREIGN KEY (user_id) REFERENCES public.profiles(id) ON DELETE CASCADE;

--
-- Name: surveys fk_surveys_session_id_event_sessions; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.surveys
    ADD CONSTRAINT fk_surveys_session_id_event_sessions FOREIGN KEY (session_id) REFERENCES public.event_sessions(id) ON DELETE CASCADE;

--
-- Name: webhook_deliveries fk_webhook_deliveries_webhook_id_webhooks; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT fk_webhook_deliveries_webhook_id_webhooks FOREIGN KEY (webhook_id) REFERENCES public.webhooks(id) ON DELETE CASCADE;

--
-- Name: webhooks fk_webhooks_created_by_profiles; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhooks
    ADD CONSTRAINT fk_webhooks_created_by_profiles FOREIGN KEY (created_by) REFERENCES public.profiles(id) ON DELETE SET NULL;

--
-- Name: audit_log; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.audit_log ENABLE ROW LEVEL SECURITY;

--
-- Name: credentials; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.credentials ENABLE ROW LEVEL SECURITY;

--
-- Name: event_bans; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.event_bans ENABLE ROW LEVEL SECURITY;

--
-- Name: event_sessions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.event_sessions ENABLE ROW LEVEL SECURITY;

--
-- Name: event_sessions event_sessions_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY event_sessions_admin_all ON public.event_sessions TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: event_sessions event_sessions_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY event_sessions_select_visible ON public.event_sessions FOR SELECT TO authenticated USING (public.event_visible(event_id));

--
-- Name: event_users; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.event_users ENABLE ROW LEVEL SECURITY;

--
-- Name: event_users event_users_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY event_users_admin_all ON public.event_users TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: event_users event_users_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY event_users_select_own ON public.event_users FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: events; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;

--
-- Name: events events_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY events_admin_all ON public.events TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: events events_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY events_select_visible ON public.events FOR SELECT TO authenticated USING (public.project_visible(project_id));

--
-- Name: messages; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.messages ENABLE ROW LEVEL SECURITY;

--
-- Name: messages messages_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY messages_admin_all ON public.messages TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: messages messages_delete_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY messages_delete_own ON public.messages FOR DELETE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: messages messages_insert_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY messages_insert_own ON public.messages FOR INSERT TO authenticated WITH CHECK (((user_id = ( SELECT auth.uid() AS uid)) AND (NOT is_pinned) AND (NOT is_deleted) AND public.session_visible(session_id)));

--
-- Name: messages messages_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY messages_select_visible ON public.messages FOR SELECT TO authenticated USING ((public.session_visible(session_id) AND ((NOT is_deleted) OR (user_id = ( SELECT auth.uid() AS uid)))));

--
-- Name: messages messages_update_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY messages_update_own ON public.messages FOR UPDATE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid))) WITH CHECK ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: poll_options; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.poll_options ENABLE ROW LEVEL SECURITY;

--
-- Name: poll_options poll_options_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY poll_options_admin_all ON public.poll_options TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: poll_options poll_options_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY poll_options_select_visible ON public.poll_options FOR SELECT TO authenticated USING ((EXISTS ( SELECT 1
   FROM public.polls p
  WHERE (p.id = poll_options.poll_id))));

--
-- Name: poll_votes; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.poll_votes ENABLE ROW LEVEL SECURITY;

--
-- Name: poll_votes poll_votes_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY poll_votes_admin_all ON public.poll_votes TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: poll_votes poll_votes_insert_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY poll_votes_insert_own ON public.poll_votes FOR INSERT TO authenticated WITH CHECK (((user_id = ( SELECT auth.uid() AS uid)) AND (EXISTS ( SELECT 1
   FROM public.polls p
  WHERE ((p.id = poll_votes.poll_id) AND p.is_active)))));

--
-- Name: poll_votes poll_votes_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY poll_votes_select_own ON public.poll_votes FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: polls; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.polls ENABLE ROW LEVEL SECURITY;

--
-- Name: polls polls_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY polls_admin_all ON public.polls TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: polls polls_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY polls_select_visible ON public.polls FOR SELECT TO authenticated USING (public.session_visible(session_id));

--
-- Name: product_clicks; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.product_clicks ENABLE ROW LEVEL SECURITY;

--
-- Name: product_clicks product_clicks_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY product_clicks_admin_all ON public.product_clicks TO authenticated USING (public.is_admin()) WITH CHECK (public.is_admin());

--
-- Name: product_clicks product_clicks_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY product_clicks_select_own ON public.product_clicks FOR SELECT TO authenticated USING ((user_id = auth.uid()));

--
-- Name: product_feature_spans; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.product_feature_spans ENABLE ROW LEVEL SECURITY;

--
-- Name: product_feature_spans product_feature_spans_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY product_feature_spans_admin_all ON public.product_feature_spans TO authenticated USING (public.is_admin()) WITH CHECK (public.is_admin());

--
-- Name: product_feature_spans product_feature_spans_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY product_feature_spans_select_visible ON public.product_feature_spans FOR SELECT TO authenticated USING (public.session_visible(session_id));

--
-- Name: products; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.products ENABLE ROW LEVEL SECURITY;

--
-- Name: products products_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY products_admin_all ON public.products TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: products products_select; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY products_select ON public.products FOR SELECT TO authenticated USING (true);

--
-- Name: profiles; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;

--
-- Name: profiles profiles_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY profiles_admin_all ON public.profiles TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: profiles profiles_select; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY profiles_select ON public.profiles FOR SELECT TO authenticated USING (true);

--
-- Name: profiles profiles_update_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY profiles_update_own ON public.profiles FOR UPDATE TO authenticated USING ((id = ( SELECT auth.uid() AS uid))) WITH CHECK ((id = ( SELECT auth.uid() AS uid)));

--
-- Name: projects; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;

--
-- Name: projects projects_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY projects_admin_all ON public.projects TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: projects projects_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY projects_select_visible ON public.projects FOR SELECT TO authenticated USING (((status)::text <> 'DRAFT'::text));

--
-- Name: question_upvotes; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.question_upvotes ENABLE ROW LEVEL SECURITY;

--
-- Name: question_upvotes question_upvotes_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY question_upvotes_admin_all ON public.question_upvotes TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: question_upvotes question_upvotes_insert_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY question_upvotes_insert_own ON public.question_upvotes FOR INSERT TO authenticated WITH CHECK (((user_id = ( SELECT auth.uid() AS uid)) AND (EXISTS ( SELECT 1
   FROM public.questions q
  WHERE (q.id = question_upvotes.question_id)))));

--
-- Name: question_upvotes question_upvotes_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY question_upvotes_select_own ON public.question_upvotes FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: questions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.questions ENABLE ROW LEVEL SECURITY;

--
-- Name: questions questions_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY questions_admin_all ON public.questions TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: questions questions_delete_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY questions_delete_own ON public.questions FOR DELETE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: questions questions_insert_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY questions_insert_own ON public.questions FOR INSERT TO authenticated WITH CHECK (((user_id = ( SELECT auth.uid() AS uid)) AND (upvotes = 0) AND (NOT is_answered) AND (NOT is_hidden) AND public.session_visible(session_id) AND (((status)::text = 'PENDING'::text) OR (NOT (EXISTS ( SELECT 1
   FROM public.event_sessions s
  WHERE ((s.id = questions.session_id) AND s.question_moderation)))))));

--
-- Name: questions questions_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY questions_select_visible ON public.questions FOR SELECT TO authenticated USING ((public.session_visible(session_id) AND (((NOT is_hidden) AND ((status)::text = 'APPROVED'::text)) OR (user_id = ( SELECT auth.uid() AS uid)))));

--
-- Name: questions questions_update_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY questions_update_own ON public.questions FOR UPDATE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid))) WITH CHECK ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: reaction_totals; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.reaction_totals ENABLE ROW LEVEL SECURITY;

--
-- Name: reaction_totals reaction_totals_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY reaction_totals_admin_all ON public.reaction_totals TO authenticated USING (public.is_admin()) WITH CHECK (public.is_admin());

--
-- Name: reaction_totals reaction_totals_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY reaction_totals_select_visible ON public.reaction_totals FOR SELECT TO authenticated USING (public.session_visible(session_id));

--
-- Name: reactions; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.reactions ENABLE ROW LEVEL SECURITY;

--
-- Name: reactions reactions_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY reactions_admin_all ON public.reactions TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: reactions reactions_delete_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY reactions_delete_own ON public.reactions FOR DELETE TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: reactions reactions_insert_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY reactions_insert_own ON public.reactions FOR INSERT TO authenticated WITH CHECK (((user_id = ( SELECT auth.uid() AS uid)) AND public.session_visible(session_id)));

--
-- Name: reactions reactions_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY reactions_select_visible ON public.reactions FOR SELECT TO authenticated USING (public.session_visible(session_id));

--
-- Name: revoked_tokens; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.revoked_tokens ENABLE ROW LEVEL SECURITY;

--
-- Name: rooms; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.rooms ENABLE ROW LEVEL SECURITY;

--
-- Name: rooms rooms_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY rooms_admin_all ON public.rooms TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: rooms rooms_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY rooms_select_visible ON public.rooms FOR SELECT TO authenticated USING (public.event_visible(event_id));

--
-- Name: session_event_counters; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.session_event_counters ENABLE ROW LEVEL SECURITY;

--
-- Name: session_events; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.session_events ENABLE ROW LEVEL SECURITY;

--
-- Name: session_products; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.session_products ENABLE ROW LEVEL SECURITY;

--
-- Name: session_products session_products_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY session_products_admin_all ON public.session_products TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: session_products session_products_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY session_products_select_visible ON public.session_products FOR SELECT TO authenticated USING (public.session_visible(session_id));

--
-- Name: session_views; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.session_views ENABLE ROW LEVEL SECURITY;

--
-- Name: session_views session_views_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY session_views_admin_all ON public.session_views TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: session_views session_views_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY session_views_select_own ON public.session_views FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: streams; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.streams ENABLE ROW LEVEL SECURITY;

--
-- Name: streams streams_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY streams_admin_all ON public.streams TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: streams streams_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY streams_select_visible ON public.streams FOR SELECT TO authenticated USING (public.event_visible(event_id));

--
-- Name: survey_fields; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.survey_fields ENABLE ROW LEVEL SECURITY;

--
-- Name: survey_fields survey_fields_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY survey_fields_admin_all ON public.survey_fields TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: survey_fields survey_fields_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY survey_fields_select_visible ON public.survey_fields FOR SELECT TO authenticated USING ((EXISTS ( SELECT 1
   FROM public.surveys s
  WHERE (s.id = survey_fields.survey_id))));

--
-- Name: survey_responses; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.survey_responses ENABLE ROW LEVEL SECURITY;

--
-- Name: survey_responses survey_responses_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY survey_responses_admin_all ON public.survey_responses TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: survey_responses survey_responses_insert_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY survey_responses_insert_own ON public.survey_responses FOR INSERT TO authenticated WITH CHECK (((user_id = ( SELECT auth.uid() AS uid)) AND (EXISTS ( SELECT 1
   FROM public.surveys s
  WHERE ((s.id = survey_responses.survey_id) AND s.is_active)))));

--
-- Name: survey_responses survey_responses_select_own; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY survey_responses_select_own ON public.survey_responses FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

--
-- Name: surveys; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.surveys ENABLE ROW LEVEL SECURITY;

--
-- Name: surveys surveys_admin_all; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY surveys_admin_all ON public.surveys TO authenticated USING (( SELECT public.is_admin() AS is_admin)) WITH CHECK (( SELECT public.is_admin() AS is_admin));

--
-- Name: surveys surveys_select_visible; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY surveys_select_visible ON public.surveys FOR SELECT TO authenticated USING (public.session_visible(session_id));

--
-- Name: webhook_deliveries; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.webhook_deliveries ENABLE ROW LEVEL SECURITY;

--
-- Name: webhooks; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.webhooks ENABLE ROW LEVEL SECURITY;

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA public TO anon;
GRANT USAGE ON SCHEMA public TO authenticated;

--
-- Name: FUNCTION increment_upvotes(question_id uuid); Type: ACL; Schema: public; Owner: -
--

REVOKE ALL ON FUNCTION public.increment_upvotes(question_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.increment_upvotes(question_id uuid) TO authenticated;

--
-- Name: TABLE event_sessions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.event_sessions TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.event_sessions TO authenticated;

--
-- Name: TABLE event_users; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.event_users TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.event_users TO authenticated;

--
-- Name: TABLE events; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.events TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.events TO authenticated;

--
-- Name: TABLE messages; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.messages TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.messages TO authenticated;

--
-- Name: TABLE poll_options; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.poll_options TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.poll_options TO authenticated;

--
-- Name: TABLE poll_votes; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.poll_votes TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.poll_votes TO authenticated;

--
-- Name: TABLE polls; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.polls TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.polls TO authenticated;

--
-- Name: TABLE product_clicks; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.product_clicks TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.product_clicks TO authenticated;

--
-- Name: TABLE product_feature_spans; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.product_feature_spans TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.product_feature_spans TO authenticated;

--
-- Name: TABLE products; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.products TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.products TO authenticated;

--
-- Name: TABLE profiles; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.profiles TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.profiles TO authenticated;

--
-- Name: TABLE projects; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.projects TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.projects TO authenticated;

--
-- Name: TABLE question_upvotes; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.question_upvotes TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.question_upvotes TO authenticated;

--
-- Name: TABLE questions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.questions TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.questions TO authenticated;

--
-- Name: TABLE reaction_totals; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.reaction_totals TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.reaction_totals TO authenticated;

--
-- Name: TABLE reactions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.reactions TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.reactions TO authenticated;

--
-- Name: TABLE rooms; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.rooms TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.rooms TO authenticated;

--
-- Name: TABLE session_products; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.session_products TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.session_products TO authenticated;

--
-- Name: TABLE session_views; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.session_views TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.session_views TO authenticated;

--
-- Name: TABLE streams; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.streams TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.streams TO authenticated;

--
-- Name: TABLE survey_fields; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.survey_fields TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.survey_fields TO authenticated;

--
-- Name: TABLE survey_responses; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.survey_responses TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.survey_responses TO authenticated;

--
-- Name: TABLE surveys; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.surveys TO anon;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.surveys TO authenticated;

--
-- PostgreSQL database dump complete
--

-- Supabase default privileges: server-only tables and increment_upvotes stay closed to clients.
REVOKE ALL ON public.credentials, public.revoked_tokens FROM anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.increment_upvotes(uuid) FROM anon;
