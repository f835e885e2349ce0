// Plain-C Vulkan baselines for streamhal bench: loops that drive the same
// device, VkQueue, pipelines and buffers that hal/vulkan uses, through the
// same function pointers, as a C program would: record a command buffer,
// vkQueueSubmit it signalling a timeline semaphore, vkWaitSemaphores. Each
// returns the elapsed nanoseconds, or a negative VkResult.

#include <string.h>
#include <time.h>

#include "shim.h"

static int64_t bench_now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

typedef struct {
	VkCommandPool pool;
	VkCommandBuffer cb;
	VkSemaphore tl;
	uint64_t value;
} bench_ctx;

static VkResult bench_open(shal_dev* d, uint32_t family, bench_ctx* b) {
	memset(b, 0, sizeof *b);
	VkResult r = shal_create_command_pool(d, family, &b->pool);
	if (r != VK_SUCCESS) return r;
	if ((r = shal_alloc_command_buffer(d, b->pool, &b->cb)) != VK_SUCCESS) return r;
	return shal_create_timeline(d, 0, &b->tl);
}

static void bench_close(shal_dev* d, bench_ctx* b) {
	if (b->tl) shal_destroy_semaphore(d, b->tl);
	if (b->cb) shal_free_command_buffer(d, b->pool, b->cb);
	if (b->pool) shal_destroy_command_pool(d, b->pool);
}

// bench_submit submits c (NULL: an empty submission) signalling the next
// timeline value; wait says whether to wait for it.
static VkResult bench_submit(shal_dev* d, VkQueue q, bench_ctx* b, VkCommandBuffer c, int wait) {
	b->value++;
	VkResult r = shal_submit(d, q, c, 0, NULL, NULL, b->tl, b->value);
	if (r != VK_SUCCESS || !wait) return r;
	return shal_wait_semaphore(d, b->tl, b->value, UINT64_MAX);
}

// SHAL_BENCH_RING command buffers take turns in an enqueue loop.
#define SHAL_BENCH_RING 64

// shal_bench_vk_dispatch runs n dispatches of gx groups of pipeline p
// with the push constants, each recorded into its own command buffer and
// submitted with vkQueueSubmit signalling the next timeline value, as
// cuLaunchKernel enqueues each launch. With sync_each, each is waited for
// (a launch + synchronize); without, the loop only waits before reusing a
// command buffer of its ring of SHAL_BENCH_RING, and waits for the last
// one after the clock stops (an enqueue).
int64_t shal_bench_vk_dispatch(shal_dev* d, VkQueue q, uint32_t family, VkPipeline p, VkPipelineLayout l,
	const void* push, uint32_t pushSize, uint32_t gx, int64_t n, int sync_each) {
	bench_ctx b;
	VkResult r = bench_open(d, family, &b);
	VkCommandBuffer ring[SHAL_BENCH_RING];
	int nring = 0;
	ring[nring++] = b.cb;
	while (r == VK_SUCCESS && nring < SHAL_BENCH_RING) {
		if ((r = shal_alloc_command_buffer(d, b.pool, &ring[nring])) == VK_SUCCESS) nring++;
	}
	int64_t t = -1;
	if (r == VK_SUCCESS) {
		int64_t t0 = bench_now_ns();
		for (int64_t i = 0; i < n && r == VK_SUCCESS; i++) {
			VkCommandBuffer c = ring[i % SHAL_BENCH_RING];
			if (!sync_each && i >= SHAL_BENCH_RING) {
				// The buffer's previous submission signalled value
				// i - SHAL_BENCH_RING + 1.
				if ((r = shal_wait_semaphore(d, b.tl, (uint64_t)(i - SHAL_BENCH_RING + 1), UINT64_MAX)) != VK_SUCCESS) break;
			}
			if ((r = shal_begin(d, c, VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT)) != VK_SUCCESS) break;
			shal_cmd_dispatch(d, c, 0, p, l, push, pushSize, gx, 1, 1, UINT32_MAX, UINT32_MAX, UINT32_MAX);
			if ((r = shal_end(d, c)) != VK_SUCCESS) break;
			r = bench_submit(d, q, &b, c, sync_each);
		}
		t = bench_now_ns() - t0;
		if (r == VK_SUCCESS && !sync_each && b.value > 0) r = shal_wait_semaphore(d, b.tl, b.value, UINT64_MAX);
	}
	for (int k = 1; k < nring; k++) shal_free_command_buffer(d, b.pool, ring[k]);
	bench_close(d, &b);
	return r == VK_SUCCESS ? t : -(int64_t)r;
}

// shal_bench_vk_signal runs n × (a vkQueueSubmit that signals the
// timeline + vkWaitSemaphores): an event record + synchronize. With a query
// pool (a timing event), each submission is a command buffer that writes a
// timestamp into it; without, an empty submission.
int64_t shal_bench_vk_signal(shal_dev* d, VkQueue q, uint32_t family, VkQueryPool pool, int64_t n) {
	bench_ctx b;
	VkResult r = bench_open(d, family, &b);
	int64_t t = -1;
	if (r == VK_SUCCESS) {
		int64_t t0 = bench_now_ns();
		for (int64_t i = 0; i < n && r == VK_SUCCESS; i++) {
			if (pool == 0) {
				r = bench_submit(d, q, &b, NULL, 1);
				continue;
			}
			if ((r = shal_begin(d, b.cb, VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT)) != VK_SUCCESS) break;
			shal_cmd_timestamp(d, b.cb, pool, 0);
			if ((r = shal_end(d, b.cb)) != VK_SUCCESS) break;
			r = bench_submit(d, q, &b, b.cb, 1);
		}
		t = bench_now_ns() - t0;
	}
	bench_close(d, &b);
	return r == VK_SUCCESS ? t : -(int64_t)r;
}

// shal_bench_vk_copy runs n × (record vkCmdCopyBuffer of size bytes,
// submit, wait).
int64_t shal_bench_vk_copy(shal_dev* d, VkQueue q, uint32_t family, VkBuffer src, VkDeviceSize srcOff,
	VkBuffer dst, VkDeviceSize dstOff, VkDeviceSize size, int64_t n) {
	bench_ctx b;
	VkResult r = bench_open(d, family, &b);
	int64_t t = -1;
	if (r == VK_SUCCESS) {
		int64_t t0 = bench_now_ns();
		for (int64_t i = 0; i < n && r == VK_SUCCESS; i++) {
			if ((r = shal_begin(d, b.cb, VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT)) != VK_SUCCESS) break;
			shal_cmd_copy(d, b.cb, 0, src, srcOff, dst, dstOff, size);
			if ((r = shal_end(d, b.cb)) != VK_SUCCESS) break;
			r = bench_submit(d, q, &b, b.cb, 1);
		}
		t = bench_now_ns() - t0;
	}
	bench_close(d, &b);
	return r == VK_SUCCESS ? t : -(int64_t)r;
}

// shal_bench_memcpy runs n × memcpy of size bytes: the host side of a copy
// into or out of host-visible (mapped) device memory.
int64_t shal_bench_memcpy(void* dst, const void* src, size_t size, int64_t n) {
	int64_t t0 = bench_now_ns();
	for (int64_t i = 0; i < n; i++) memcpy(dst, src, size);
	return bench_now_ns() - t0;
}

// shal_bench_vk_round is one launch + synchronize of the loop above (begin,
// dispatch, end, vkQueueSubmit signalling value, vkWaitSemaphores) in one
// call, for a Go loop that crosses into C once per round trip.
VkResult shal_bench_vk_round(shal_dev* d, VkQueue q, VkCommandBuffer c, VkPipeline p, VkPipelineLayout l,
	const void* push, uint32_t pushSize, VkSemaphore tl, uint64_t value) {
	VkResult r = shal_begin(d, c, VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
	if (r != VK_SUCCESS) return r;
	shal_cmd_dispatch(d, c, 0, p, l, push, pushSize, 1, 1, 1, UINT32_MAX, UINT32_MAX, UINT32_MAX);
	if ((r = shal_end(d, c)) != VK_SUCCESS) return r;
	if ((r = shal_submit(d, q, c, 0, NULL, NULL, tl, value)) != VK_SUCCESS) return r;
	return shal_wait_semaphore(d, tl, value, UINT64_MAX);
}
