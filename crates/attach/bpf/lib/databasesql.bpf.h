// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* database/sql (src/libs/databasesql.rs); the server address comes from peer.bpf.h. */
#ifndef AUTOTEL_LIB_DATABASESQL
#define AUTOTEL_LIB_DATABASESQL

/* ---- configuration, set by userspace before load (the library's module in src/libs/) ---- */
const volatile u64 off_stmt_query = 0;
const volatile u64 off_db_connector = 0;
const volatile u64 off_conn_db = 0;
const volatile u64 off_tx_db = 0;
const volatile u64 off_stmt_db = 0;
const volatile u64 off_dsnconnector_driver = 0;
const volatile u8 have_db_driver = 0;
const volatile u64 rollback_entry = 0;       /* link-time address of rollback's entry probe */
const volatile u64 rollback_ignored_lo = 0;  /* (*Tx).awaitDone's range: [lo, hi) */
const volatile u64 rollback_ignored_hi = 0;

/* ---- database/sql: one span per call of the probed methods (see probes.rs); the query comes
 * from the registers or from the prepared statement. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct entry_state);
} db_state SEC(".maps");

/* Operations named by build mode rather than by the query's first word (aux3 of the state,
 * written to the event's aux2 as text). */
#define DB_OP_QUERY 0
#define DB_OP_PREPARE 1
#define DB_OP_BEGIN 2
#define DB_OP_COMMIT 3
#define DB_OP_ROLLBACK 4
#define DB_OP_PING 5

/* The cookie of a database/sql entry probe: its link-time address, and in the top byte which
 * receiver the probed method has (the other three keep the *DB in a field). */
#define DB_RECV_DB 0
#define DB_RECV_CONN 1
#define DB_RECV_TX 2
#define DB_RECV_STMT 3
#define DB_COOKIE_ADDR 0x00ffffffffffffffULL

/* Which driver the call goes to, as two link-time code addresses userspace names by their
 * functions (`.gopclntab` survives stripping): the first method (Connect) of the DB's
 * driver.Connector, and, in case that connector is database/sql's own dsnConnector (sql.Open
 * of a driver without OpenConnector), the first method (Open) of the driver.Driver it holds.
 * An itab is {inter, type, hash, fun[]}: fun[0] at 24. */
static __always_inline void db_driver(struct pt_regs *ctx, u64 recv, struct entry_state *st)
{
	if (!have_db_driver || !recv)
		return;
	u64 cookie = bpf_get_attach_cookie(ctx);
	u64 bias = PT_REGS_IP(ctx) - (cookie & DB_COOKIE_ADDR);
	u64 db = recv;
	switch (cookie >> 56) {
	case DB_RECV_CONN: db = read_u64(recv + off_conn_db); break;
	case DB_RECV_TX: db = read_u64(recv + off_tx_db); break;
	case DB_RECV_STMT: db = read_u64(recv + off_stmt_db); break;
	}
	if (!db)
		return;
	u64 itab = read_u64(db + off_db_connector);
	u64 fn = itab ? read_u64(itab + 24) : 0;
	if (!fn)
		return;
	st->code[0] = fn - bias;
	u64 data = read_u64(db + off_db_connector + 8);
	u64 ditab = data ? read_u64(data + off_dsnconnector_driver) : 0;
	u64 dfn = ditab ? read_u64(ditab + 24) : 0;
	if (dfn)
		st->code[1] = dfn - bias;
}

/* Starts the span of one database/sql call on receiver recv with query text (qptr, qlen). */
static __always_inline int db_start(struct pt_regs *ctx, u64 recv, u64 qptr, u64 qlen, u64 op)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	struct entry_state *old = bpf_map_lookup_elem(&db_state, &k);
	/* A repeated entry (stack growth) has the same receiver, operation and lengths, but
	 * pointers into the stack moved: refresh them and keep the span. */
	if (old && old->aux2 == recv && old->aux == qlen && old->aux3 == op) {
		old->req = qptr;
		return 0;
	}
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = qptr;
	st.aux = qlen;
	st.aux2 = recv;
	st.aux3 = op;
	db_driver(ctx, recv, &st);
	start_span(&k, &st);
	want_peer(&k);
	bpf_map_update_elem(&db_state, &k, &st, BPF_ANY);
	return 0;
}

#define SET_TEXT(dst, len, lit)                                                     \
	do {                                                                         \
		__builtin_memcpy((dst), lit, sizeof(lit) - 1);                       \
		(len) = sizeof(lit) - 1;                                             \
	} while (0)

/* err_itab: the itab word of the returned error. */
static __always_inline int db_ret(struct pt_regs *ctx, u64 err_itab)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &db_state, &k, &st))
		return 0;
	struct text_event *e = new_text_event(EVENT_DB_QUERY, &k, &st);
	if (!e)
		return 0;
	e->is_error = err_itab != 0;
	READ_BYTES(e->text, TEXT_MAX, st.req, st.aux, e->len[0]);
	e->count = st.aux; /* the query's full length: userspace knows when it was cut */
	switch (st.aux3) {
	case DB_OP_PREPARE: SET_TEXT(e->aux2, e->len[2], "PREPARE"); break;
	case DB_OP_BEGIN: SET_TEXT(e->aux2, e->len[2], "BEGIN"); break;
	case DB_OP_COMMIT: SET_TEXT(e->aux2, e->len[2], "COMMIT"); break;
	case DB_OP_ROLLBACK: SET_TEXT(e->aux2, e->len[2], "ROLLBACK"); break;
	case DB_OP_PING: SET_TEXT(e->aux2, e->len[2], "PING"); break;
	}
	if (st.code[0]) { /* aux3: the driver's code addresses, not text */
		__builtin_memcpy(e->aux3, st.code, sizeof(st.code));
		e->len[3] = sizeof(st.code);
	}
	take_peer(&k, e);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

/* (*DB|*Conn|*Tx).QueryContext / ExecContext / PrepareContext(ctx, query string, ...):
 * receiver (1), ctx (2, 3), query (4, 5). */
SEC("uprobe")
int db_query_enter(struct pt_regs *ctx)
{
	return db_start(ctx, GO_ARG1(ctx), GO_ARG4(ctx), GO_ARG5(ctx), DB_OP_QUERY);
}

SEC("uprobe")
int db_prepare_enter(struct pt_regs *ctx)
{
	return db_start(ctx, GO_ARG1(ctx), GO_ARG4(ctx), GO_ARG5(ctx), DB_OP_PREPARE);
}

/* (*Stmt).QueryContext / ExecContext(ctx, args...): the query is the statement's. */
SEC("uprobe")
int db_stmt_enter(struct pt_regs *ctx)
{
	u64 stmt = GO_ARG1(ctx);
	return db_start(ctx, stmt, read_u64(stmt + off_stmt_query), read_u64(stmt + off_stmt_query + 8), DB_OP_QUERY);
}

/* (*DB|*Conn).BeginTx(ctx, opts), (*Tx).Commit(), (*Tx).rollback(discardConn),
 * (*DB|*Conn).PingContext(ctx): no query text. */
SEC("uprobe")
int db_begin_enter(struct pt_regs *ctx)
{
	return db_start(ctx, GO_ARG1(ctx), 0, 0, DB_OP_BEGIN);
}

SEC("uprobe")
int db_commit_enter(struct pt_regs *ctx)
{
	return db_start(ctx, GO_ARG1(ctx), 0, 0, DB_OP_COMMIT);
}

/* The goroutine that watches a transaction's context (awaitDone) rolls it back once it ends,
 * committed or not: no call of the program's, skipped by its return address. Addresses are
 * compared as link-time addresses (the probe's own address gives the load bias of a PIE); the
 * probe sits before the frame is set up, so the return address is still on top of the stack. */
SEC("uprobe")
int db_rollback_enter(struct pt_regs *ctx)
{
	u64 ret = GO_RETURN_ADDRESS(ctx);
	u64 bias = PT_REGS_IP(ctx) - rollback_entry;
	if (ret - bias >= rollback_ignored_lo && ret - bias < rollback_ignored_hi)
		return 0;
	return db_start(ctx, GO_ARG1(ctx), 0, 0, DB_OP_ROLLBACK);
}

SEC("uprobe")
int db_ping_enter(struct pt_regs *ctx)
{
	return db_start(ctx, GO_ARG1(ctx), 0, 0, DB_OP_PING);
}

SEC("uprobe")
int db_query_ret(struct pt_regs *ctx)
{
	/* (*Rows | *Stmt | *Tx, error) */
	return db_ret(ctx, GO_ARG2(ctx));
}

SEC("uprobe")
int db_exec_ret(struct pt_regs *ctx)
{
	/* (Result, error) */
	return db_ret(ctx, GO_ARG3(ctx));
}

SEC("uprobe")
int db_error_ret(struct pt_regs *ctx)
{
	/* error */
	return db_ret(ctx, GO_ARG1(ctx));
}

#endif
