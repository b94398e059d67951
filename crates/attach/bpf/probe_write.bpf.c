// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* Never attached: attach loads this program once to learn whether the kernel allows
 * bpf_probe_write_user (lockdown refuses it at load time), which outgoing traceparent
 * injection needs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("uprobe")
int probe_write_user(void *ctx)
{
	char c = 0;
	bpf_probe_write_user((void *)0, &c, 1);
	return 0;
}
