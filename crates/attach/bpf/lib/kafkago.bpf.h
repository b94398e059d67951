// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* segmentio/kafka-go (src/libs/kafkago.rs). */
#ifndef AUTOTEL_LIB_KAFKAGO
#define AUTOTEL_LIB_KAFKAGO

/* ---- configuration, set by userspace before load (the library's module in src/libs/) ---- */
const volatile u64 off_kafka_writer_topic = 0;
const volatile u64 off_kafka_message_topic = 0;
const volatile u64 off_kafka_reader_config = 0;
const volatile u64 off_kafka_readercfg_topic = 0;
const volatile u64 off_kafka_readercfg_group = 0;
const volatile u64 off_kafka_readercfg_brokers = 0;
const volatile u64 off_kafka_readercfg_partition = 0;
const volatile u64 off_kafka_message_partition = 0;
const volatile u64 off_kafka_message_offset = 0;
const volatile u64 off_kafka_message_key = 0;
const volatile u8 have_kafka_message = 0;
const volatile u8 have_kafka_group = 0;
const volatile u8 have_kafka_brokers = 0;
const volatile u8 have_kafka_partition = 0;

/* ---- segmentio/kafka-go ----
 * Writer: (*Writer).WriteMessages(ctx, msgs ...Message) error: receiver, ctx (2), msgs (3).
 * Reader: (*Reader).FetchMessage(ctx) (Message, error) (ReadMessage calls it); the Message
 *         result is on the stack (it needs more than nine registers, and nothing else is
 *         stack-assigned: it is the first word there), the error in the first two result
 *         registers. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct entry_state);
} kafka_state SEC(".maps");

/* obj: the receiver (identifies a repeated entry); aux: a pointer that may be into the stack
 * (refreshed on a repeated entry); aux2: a count. */
static __always_inline int kafka_start(struct pt_regs *ctx, u64 obj, u64 aux, u64 aux2)
{
	struct go_key k;
	if (!current_goroutine(ctx, &k))
		return 0;
	struct entry_state *old = bpf_map_lookup_elem(&kafka_state, &k);
	if (old && old->req == obj && old->aux2 == aux2) {
		old->aux = aux;
		return 0;
	}
	struct entry_state st = {};
	st.start_ns = bpf_ktime_get_ns();
	st.req = obj;
	st.aux = aux;
	st.aux2 = aux2;
	start_span(&k, &st);
	bpf_map_update_elem(&kafka_state, &k, &st, BPF_ANY);
	return 0;
}

SEC("uprobe")
int kafka_write_enter(struct pt_regs *ctx)
{
	return kafka_start(ctx, GO_ARG1(ctx), GO_ARG4(ctx), GO_ARG5(ctx));
}

SEC("uprobe")
int kafka_write_ret(struct pt_regs *ctx)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &kafka_state, &k, &st))
		return 0;
	u64 err_itab = GO_ARG1(ctx);
	struct text_event *e = new_text_event(EVENT_KAFKA_SEND, &k, &st);
	if (!e)
		return 0;
	e->is_error = err_itab != 0;
	e->count = st.aux2;
	READ_GO_STRING(e->text, 256, st.req + off_kafka_writer_topic, e->len[0]);
	if (!e->len[0] && st.aux && st.aux2)
		READ_GO_STRING(e->text, 256, st.aux + off_kafka_message_topic, e->len[0]);
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

SEC("uprobe")
int kafka_fetch_enter(struct pt_regs *ctx)
{
	return kafka_start(ctx, GO_ARG1(ctx), 0, 0);
}

SEC("uprobe")
int kafka_fetch_ret(struct pt_regs *ctx)
{
	struct go_key k;
	struct entry_state st;
	if (!take_span(ctx, &kafka_state, &k, &st))
		return 0;
	u64 err_itab = GO_ARG1(ctx);
	struct text_event *e = new_text_event(EVENT_KAFKA_RECV, &k, &st);
	if (!e)
		return 0;
	e->is_error = err_itab != 0;
	u64 cfg = st.req + off_kafka_reader_config;
	READ_GO_STRING(e->text, 256, cfg + off_kafka_readercfg_topic, e->len[0]);
	if (have_kafka_group)
		READ_GO_STRING(e->aux1, AUX_MAX, cfg + off_kafka_readercfg_group, e->len[1]);
	if (have_kafka_brokers) {
		u64 brokers = read_u64(cfg + off_kafka_readercfg_brokers);
		u64 n = read_u64(cfg + off_kafka_readercfg_brokers + 8);
		if (brokers && n)
			READ_GO_STRING(e->aux2, AUX_MAX, brokers, e->len[2]);
	}
	e->count = -1;
	if (have_kafka_partition)
		e->count = (s64)read_u64(cfg + off_kafka_readercfg_partition);
	if (have_kafka_message && !e->is_error) {
		/* The message returned: its partition, offset (status) and key (aux3, when it fits). */
		u64 m = GO_STACK_ARGS(ctx);
		e->count = (s64)read_u64(m + off_kafka_message_partition);
		e->status = (s64)read_u64(m + off_kafka_message_offset);
		e->has_status = 1;
		u64 key = read_u64(m + off_kafka_message_key), n = read_u64(m + off_kafka_message_key + 8);
		if (key && n && n < AUX_MAX)
			READ_BYTES(e->aux3, AUX_MAX, key, n, e->len[3]);
	}
	bpf_ringbuf_submit(e, wake_flags());
	return 0;
}

#endif
