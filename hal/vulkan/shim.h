// The C half of hal/vulkan: function tables resolved through
// vkGetInstanceProcAddr/vkGetDeviceProcAddr, and small helpers that build
// Vulkan structures on the C stack so that Go never hands C a Go pointer
// that holds other Go pointers, and so that one cgo call does several
// Vulkan calls on hot paths (record a dispatch with its barrier, submit).
#ifndef SHAL_VK_SHIM_H
#define SHAL_VK_SHIM_H

#include "vkdecl.h"

// Kinds of Vulkan objects we count (tests assert they all reach zero).
enum {
	SHAL_OBJ_DEVICE,
	SHAL_OBJ_BUFFER,
	SHAL_OBJ_MEMORY,
	SHAL_OBJ_COMMAND_POOL,
	SHAL_OBJ_SHADER_MODULE,
	SHAL_OBJ_PIPELINE_LAYOUT,
	SHAL_OBJ_PIPELINE,
	SHAL_OBJ_SEMAPHORE,
	SHAL_OBJ_QUERY_POOL,
	SHAL_OBJ_COUNT
};

// Instance-level functions.
typedef struct shal_inst {
	PFN_vkGetInstanceProcAddr gipa;
	VkInstance instance;
	PFN_vkDestroyInstance DestroyInstance;
	PFN_vkEnumeratePhysicalDevices EnumeratePhysicalDevices;
	PFN_vkGetPhysicalDeviceProperties2 GetPhysicalDeviceProperties2;
	PFN_vkGetPhysicalDeviceFeatures2 GetPhysicalDeviceFeatures2;
	PFN_vkGetPhysicalDeviceMemoryProperties2 GetPhysicalDeviceMemoryProperties2;
	PFN_vkGetPhysicalDeviceQueueFamilyProperties GetPhysicalDeviceQueueFamilyProperties;
	PFN_vkEnumerateDeviceExtensionProperties EnumerateDeviceExtensionProperties;
	PFN_vkCreateDevice CreateDevice;
	PFN_vkGetDeviceProcAddr GetDeviceProcAddr;
	// Optional (core 1.1); NULL when the loader lacks it.
	PFN_vkGetPhysicalDeviceExternalBufferProperties GetPhysicalDeviceExternalBufferProperties;
} shal_inst;

// Device-level functions and the device's object counters.
typedef struct shal_dev {
	VkDevice device;
	int64_t live[SHAL_OBJ_COUNT];
	PFN_vkDestroyDevice DestroyDevice;
	PFN_vkGetDeviceQueue GetDeviceQueue;
	PFN_vkDeviceWaitIdle DeviceWaitIdle;
	PFN_vkQueueSubmit QueueSubmit;
	PFN_vkQueueWaitIdle QueueWaitIdle;
	PFN_vkCreateBuffer CreateBuffer;
	PFN_vkDestroyBuffer DestroyBuffer;
	PFN_vkGetBufferMemoryRequirements GetBufferMemoryRequirements;
	PFN_vkAllocateMemory AllocateMemory;
	PFN_vkFreeMemory FreeMemory;
	PFN_vkBindBufferMemory BindBufferMemory;
	PFN_vkMapMemory MapMemory;
	PFN_vkUnmapMemory UnmapMemory;
	PFN_vkGetBufferDeviceAddress GetBufferDeviceAddress;
	PFN_vkCreateCommandPool CreateCommandPool;
	PFN_vkDestroyCommandPool DestroyCommandPool;
	PFN_vkAllocateCommandBuffers AllocateCommandBuffers;
	PFN_vkFreeCommandBuffers FreeCommandBuffers;
	PFN_vkBeginCommandBuffer BeginCommandBuffer;
	PFN_vkEndCommandBuffer EndCommandBuffer;
	PFN_vkResetCommandBuffer ResetCommandBuffer;
	PFN_vkCmdBindPipeline CmdBindPipeline;
	PFN_vkCmdPushConstants CmdPushConstants;
	PFN_vkCmdDispatch CmdDispatch;
	PFN_vkCmdDispatchBase CmdDispatchBase;
	PFN_vkCmdPipelineBarrier CmdPipelineBarrier;
	PFN_vkCmdCopyBuffer CmdCopyBuffer;
	PFN_vkCmdFillBuffer CmdFillBuffer;
	PFN_vkCmdResetQueryPool CmdResetQueryPool;
	PFN_vkCmdWriteTimestamp CmdWriteTimestamp;
	PFN_vkCreateQueryPool CreateQueryPool;
	PFN_vkDestroyQueryPool DestroyQueryPool;
	PFN_vkGetQueryPoolResults GetQueryPoolResults;
	PFN_vkCreateShaderModule CreateShaderModule;
	PFN_vkDestroyShaderModule DestroyShaderModule;
	PFN_vkCreatePipelineLayout CreatePipelineLayout;
	PFN_vkDestroyPipelineLayout DestroyPipelineLayout;
	PFN_vkCreateComputePipelines CreateComputePipelines;
	PFN_vkDestroyPipeline DestroyPipeline;
	PFN_vkCreateSemaphore CreateSemaphore;
	PFN_vkDestroySemaphore DestroySemaphore;
	PFN_vkGetSemaphoreCounterValue GetSemaphoreCounterValue;
	PFN_vkWaitSemaphores WaitSemaphores;
	PFN_vkSignalSemaphore SignalSemaphore;
	// Optional (VK_EXT_external_memory_host); NULL when not enabled.
	PFN_vkGetMemoryHostPointerPropertiesEXT GetMemoryHostPointerPropertiesEXT;
	// Optional (VK_KHR_external_memory_fd); NULL when not enabled.
	PFN_vkGetMemoryFdKHR GetMemoryFdKHR;
	// Optional (VK_KHR_pipeline_executable_properties, SHAL_OPT_PIPELINE_STATS);
	// NULL when not enabled. captureStats: pipelines are created with
	// VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR.
	PFN_vkGetPipelineExecutablePropertiesKHR GetPipelineExecutablePropertiesKHR;
	PFN_vkGetPipelineExecutableStatisticsKHR GetPipelineExecutableStatisticsKHR;
	int captureStats;
} shal_dev;

// Options of shal_create_device and shal_load_device: the optional
// extensions to enable.
enum {
	SHAL_OPT_HOST_MEMORY = 1, // VK_EXT_external_memory_host
	SHAL_OPT_MEMORY_FD = 2,   // VK_KHR_external_memory_fd
	SHAL_OPT_PIPELINE_STATS = 4, // VK_KHR_pipeline_executable_properties, when the device has it
};

// Everything the driver wants to know about a physical device, gathered by
// one call.
typedef struct shal_pdinfo {
	VkPhysicalDeviceProperties props;
	VkPhysicalDeviceVulkan11Properties props11;
	VkPhysicalDevicePCIBusInfoPropertiesEXT pci;
	VkPhysicalDeviceExternalMemoryHostPropertiesEXT hostmem;
	VkPhysicalDeviceShaderSMBuiltinsPropertiesNV sm;
	VkPhysicalDeviceFeatures features;
	VkPhysicalDeviceVulkan11Features features11;
	VkPhysicalDeviceVulkan12Features features12;
	VkPhysicalDeviceMemoryProperties mem;
	VkPhysicalDeviceMemoryBudgetPropertiesEXT budget;
	uint32_t queueFamilyCount;
	VkQueueFamilyProperties queueFamilies[16];
	// Features the PTX translator uses, when the device has them.
	VkPhysicalDeviceShaderAtomicFloatFeaturesEXT atomicFloat;
	VkPhysicalDeviceShaderClockFeaturesKHR clock;
	VkPhysicalDeviceSubgroupSizeControlFeatures sgsc;
	VkPhysicalDeviceSubgroupSizeControlProperties sgscProps;
	VkPhysicalDeviceFloatControlsProperties floatControls; // Vulkan 1.2 devices only (else zero)
	int hasAtomicFloat;
	int hasShaderClock;
	int hasSubgroupSizeControl; // the extension, or Vulkan 1.3
	int hasExternalMemoryHost;
	int hasMemoryBudget;
	int hasPCIBusInfo;
	int hasSMBuiltins;
	int hasExternalMemoryFd;
	int hasPipelineExecProps; // the extension and its pipelineExecutableInfo feature
	// The opaque-fd external memory features (VK_EXTERNAL_MEMORY_FEATURE_*)
	// of the buffers shal_alloc_buffer creates; 0 without the extension.
	VkFlags opaqueFdFeatures;
} shal_pdinfo;

// Allocation request and result (see shal_alloc_buffer).
typedef struct shal_alloc {
	VkDeviceSize size;
	uint32_t ncandidates;
	uint32_t candidates[VK_MAX_MEMORY_TYPES];
	uint32_t hostVisibleMask; // memory types to map persistently
	uintptr_t importHost;     // non-zero: import this host pointer
	int exportable;           // allocate memory that shal_export_fd can export (opaque fd)
	int dedicated;            // with exportable or importOpaque: a dedicated allocation
	int importOpaque;         // import the opaque fd importFd (a copy of it: the caller
	int importFd;             // keeps its own); the only candidate is the exporter's type
	VkDeviceSize importSize;  // and importSize its allocation size
	// Results.
	VkBuffer buffer;
	VkDeviceMemory memory;
	VkDeviceAddress address;
	void* mapped;
	uint32_t memoryType;
	VkDeviceSize allocSize;
} shal_alloc;

const char* shal_load_global(PFN_vkGetInstanceProcAddr gipa, uint32_t* version);
VkResult shal_create_instance(shal_inst* in, uint32_t apiVersion);
const char* shal_load_instance(shal_inst* in);
void shal_destroy_instance(shal_inst* in);
VkResult shal_enum_physical(shal_inst* in, uint32_t* count, VkPhysicalDevice* out);
void shal_query_physical(shal_inst* in, VkPhysicalDevice pd, shal_pdinfo* out);

VkResult shal_create_device(shal_inst* in, VkPhysicalDevice pd, const shal_pdinfo* info,
	uint32_t family, uint32_t nqueues, int opts, shal_dev* out);
const char* shal_load_device(shal_inst* in, shal_dev* d, int opts);
void shal_destroy_device(shal_dev* d);
VkResult shal_device_wait_idle(shal_dev* d);
VkResult shal_queue_wait_idle(shal_dev* d, VkQueue q);
int64_t shal_live(shal_dev* d, int kind);
VkQueue shal_get_queue(shal_dev* d, uint32_t family, uint32_t index);

VkResult shal_alloc_buffer(shal_dev* d, shal_alloc* a);
void shal_free_buffer(shal_dev* d, VkBuffer b, VkDeviceMemory m, int mapped);
VkResult shal_export_fd(shal_dev* d, VkDeviceMemory m, int* fd);

VkResult shal_create_command_pool(shal_dev* d, uint32_t family, VkCommandPool* out);
void shal_destroy_command_pool(shal_dev* d, VkCommandPool p);
VkResult shal_alloc_command_buffer(shal_dev* d, VkCommandPool p, VkCommandBuffer* out);
void shal_free_command_buffer(shal_dev* d, VkCommandPool p, VkCommandBuffer c);
VkResult shal_begin(shal_dev* d, VkCommandBuffer c, VkFlags flags);
VkResult shal_end(shal_dev* d, VkCommandBuffer c);

void shal_barrier(shal_dev* d, VkCommandBuffer c, VkFlags srcStage, VkFlags dstStage, VkFlags srcAccess, VkFlags dstAccess);
void shal_cmd_dispatch(shal_dev* d, VkCommandBuffer c, int barrier, VkPipeline p, VkPipelineLayout l,
	const void* push, uint32_t pushSize, uint32_t gx, uint32_t gy, uint32_t gz,
	uint32_t mx, uint32_t my, uint32_t mz);
void shal_cmd_copy(shal_dev* d, VkCommandBuffer c, int barrier, VkBuffer src, VkDeviceSize srcOff,
	VkBuffer dst, VkDeviceSize dstOff, VkDeviceSize size);
void shal_cmd_fill(shal_dev* d, VkCommandBuffer c, int barrier, VkBuffer dst, VkDeviceSize off,
	VkDeviceSize size, uint32_t data);
void shal_cmd_timestamp(shal_dev* d, VkCommandBuffer c, VkQueryPool pool, uint32_t query);

VkResult shal_submit(shal_dev* d, VkQueue q, VkCommandBuffer c, uint32_t nwait,
	const VkSemaphore* waits, const uint64_t* waitValues, VkSemaphore signal, uint64_t signalValue);

VkResult shal_create_timeline(shal_dev* d, uint64_t initial, VkSemaphore* out);
void shal_destroy_semaphore(shal_dev* d, VkSemaphore s);
VkResult shal_semaphore_value(shal_dev* d, VkSemaphore s, uint64_t* out);
VkResult shal_wait_semaphore(shal_dev* d, VkSemaphore s, uint64_t value, uint64_t timeoutNs);
VkResult shal_signal_semaphore(shal_dev* d, VkSemaphore s, uint64_t value);

VkResult shal_create_shader_module(shal_dev* d, const void* code, size_t size, VkShaderModule* out);
void shal_destroy_shader_module(shal_dev* d, VkShaderModule m);
// shal_pipeline_stats writes the compiler's statistics of pipeline p
// ("name=value" pairs, "; "-separated, per executable) into buf (n bytes,
// NUL-terminated) and returns the number of statistics, -1 when the
// device does not capture them.
int shal_pipeline_stats(shal_dev* d, VkPipeline p, char* buf, size_t n);

VkResult shal_create_pipeline_layout(shal_dev* d, uint32_t pushSize, VkPipelineLayout* out);
void shal_destroy_pipeline_layout(shal_dev* d, VkPipelineLayout l);
VkResult shal_create_pipeline(shal_dev* d, VkShaderModule m, const char* entry, VkPipelineLayout l,
	uint32_t nspec, const uint32_t* specIDs, const uint32_t* specValues, uint32_t subgroupSize, uint32_t blockX, VkPipeline* out);
void shal_destroy_pipeline(shal_dev* d, VkPipeline p);

VkResult shal_create_query_pool(shal_dev* d, uint32_t count, VkQueryPool* out);
void shal_destroy_query_pool(shal_dev* d, VkQueryPool p);
VkResult shal_query_results(shal_dev* d, VkQueryPool p, uint32_t first, uint32_t count, uint64_t* out);

void shal_memory_budget(shal_inst* in, VkPhysicalDevice pd, VkPhysicalDeviceMemoryBudgetPropertiesEXT* out);

#endif
