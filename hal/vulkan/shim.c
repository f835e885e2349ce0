#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

// The usage of every buffer shal_alloc_buffer creates.
#define SHAL_BUFFER_USAGE                                                                    \
	(VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |               \
		VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT)

#define LIVE_ADD(d, kind, n) __atomic_add_fetch(&(d)->live[kind], (n), __ATOMIC_RELAXED)

const char* shal_load_global(PFN_vkGetInstanceProcAddr gipa, uint32_t* version) {
	PFN_vkCreateInstance ci = (PFN_vkCreateInstance)gipa(NULL, "vkCreateInstance");
	if (!ci) return "vkCreateInstance";
	PFN_vkEnumerateInstanceVersion ev = (PFN_vkEnumerateInstanceVersion)gipa(NULL, "vkEnumerateInstanceVersion");
	*version = VK_MAKE_API_VERSION(0, 1, 0, 0);
	if (ev) {
		uint32_t v = 0;
		if (ev(&v) == VK_SUCCESS) *version = v;
	}
	return NULL;
}

VkResult shal_create_instance(shal_inst* in, uint32_t apiVersion) {
	PFN_vkCreateInstance ci = (PFN_vkCreateInstance)in->gipa(NULL, "vkCreateInstance");
	if (!ci) return VK_ERROR_INITIALIZATION_FAILED;
	VkApplicationInfo app;
	memset(&app, 0, sizeof app);
	app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
	app.pApplicationName = "streamhal";
	app.pEngineName = "streamhal";
	app.apiVersion = apiVersion;
	VkInstanceCreateInfo ici;
	memset(&ici, 0, sizeof ici);
	ici.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
	ici.pApplicationInfo = &app;
	return ci(&ici, NULL, &in->instance);
}

#define LOADI(name)                                                        \
	in->name = (PFN_vk##name)in->gipa(in->instance, "vk" #name);       \
	if (!in->name) return "vk" #name;

const char* shal_load_instance(shal_inst* in) {
	LOADI(DestroyInstance)
	LOADI(EnumeratePhysicalDevices)
	LOADI(GetPhysicalDeviceProperties2)
	LOADI(GetPhysicalDeviceFeatures2)
	LOADI(GetPhysicalDeviceMemoryProperties2)
	LOADI(GetPhysicalDeviceQueueFamilyProperties)
	LOADI(EnumerateDeviceExtensionProperties)
	LOADI(CreateDevice)
	LOADI(GetDeviceProcAddr)
	in->GetPhysicalDeviceExternalBufferProperties = (PFN_vkGetPhysicalDeviceExternalBufferProperties)in->gipa(
		in->instance, "vkGetPhysicalDeviceExternalBufferProperties");
	return NULL;
}

VkResult shal_enum_physical(shal_inst* in, uint32_t* count, VkPhysicalDevice* out) {
	return in->EnumeratePhysicalDevices(in->instance, count, out);
}

static int has_ext(const VkExtensionProperties* exts, uint32_t n, const char* name) {
	for (uint32_t i = 0; i < n; i++) {
		if (strcmp(exts[i].extensionName, name) == 0) return 1;
	}
	return 0;
}

void shal_query_physical(shal_inst* in, VkPhysicalDevice pd, shal_pdinfo* out) {
	memset(out, 0, sizeof *out);

	uint32_t next = 0;
	VkExtensionProperties* exts = NULL;
	if (in->EnumerateDeviceExtensionProperties(pd, NULL, &next, NULL) == VK_SUCCESS && next > 0) {
		exts = (VkExtensionProperties*)calloc(next, sizeof *exts);
		if (exts && in->EnumerateDeviceExtensionProperties(pd, NULL, &next, exts) != VK_SUCCESS) next = 0;
	}
	if (exts) {
		out->hasExternalMemoryHost = has_ext(exts, next, "VK_EXT_external_memory_host");
		out->hasMemoryBudget = has_ext(exts, next, "VK_EXT_memory_budget");
		out->hasPCIBusInfo = has_ext(exts, next, "VK_EXT_pci_bus_info");
		out->hasSMBuiltins = has_ext(exts, next, "VK_NV_shader_sm_builtins");
		out->hasAtomicFloat = has_ext(exts, next, "VK_EXT_shader_atomic_float");
		out->hasShaderClock = has_ext(exts, next, "VK_KHR_shader_clock");
		out->hasPipelineExecProps = has_ext(exts, next, "VK_KHR_pipeline_executable_properties");
		out->hasSubgroupSizeControl = has_ext(exts, next, "VK_EXT_subgroup_size_control");
		out->hasExternalMemoryFd = has_ext(exts, next, "VK_KHR_external_memory_fd");
		free(exts);
	}
	if (out->hasExternalMemoryFd && in->GetPhysicalDeviceExternalBufferProperties) {
		VkPhysicalDeviceExternalBufferInfo bi;
		memset(&bi, 0, sizeof bi);
		bi.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO;
		bi.usage = SHAL_BUFFER_USAGE;
		bi.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
		VkExternalBufferProperties bp;
		memset(&bp, 0, sizeof bp);
		bp.sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES;
		in->GetPhysicalDeviceExternalBufferProperties(pd, &bi, &bp);
		out->opaqueFdFeatures = bp.externalMemoryProperties.externalMemoryFeatures;
	}

	// Properties: first the core 1.0 block alone (safe on any version), then
	// the 1.1 block and the extension blocks when the device is 1.2+.
	VkPhysicalDeviceProperties2 p2;
	memset(&p2, 0, sizeof p2);
	p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
	in->GetPhysicalDeviceProperties2(pd, &p2);
	out->props = p2.properties;
	int v12 = p2.properties.apiVersion >= VK_MAKE_API_VERSION(0, 1, 2, 0);
	if (v12) {
		void* chain = NULL;
		out->props11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES;
		out->props11.pNext = chain;
		chain = &out->props11;
		if (out->hasPCIBusInfo) {
			out->pci.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PCI_BUS_INFO_PROPERTIES_EXT;
			out->pci.pNext = chain;
			chain = &out->pci;
		}
		if (out->hasExternalMemoryHost) {
			out->hostmem.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT;
			out->hostmem.pNext = chain;
			chain = &out->hostmem;
		}
		if (out->hasSMBuiltins) {
			out->sm.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV;
			out->sm.pNext = chain;
			chain = &out->sm;
		}
		if (p2.properties.apiVersion >= VK_MAKE_API_VERSION(0, 1, 3, 0)) out->hasSubgroupSizeControl = 1;
		if (out->hasSubgroupSizeControl) {
			out->sgscProps.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES;
			out->sgscProps.pNext = chain;
			chain = &out->sgscProps;
		}
		out->floatControls.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FLOAT_CONTROLS_PROPERTIES;
		out->floatControls.pNext = chain;
		chain = &out->floatControls;
		p2.pNext = chain;
		in->GetPhysicalDeviceProperties2(pd, &p2);
		out->floatControls.pNext = NULL;
		out->sm.pNext = NULL;
		out->sgscProps.pNext = NULL;
		out->props11.pNext = NULL;
		out->pci.pNext = NULL;
		out->hostmem.pNext = NULL;

		VkPhysicalDeviceFeatures2 f2;
		memset(&f2, 0, sizeof f2);
		f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
		out->features11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
		out->features12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
		f2.pNext = &out->features11;
		out->features11.pNext = &out->features12;
		void** tail = &out->features12.pNext;
		if (out->hasAtomicFloat) {
			out->atomicFloat.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT;
			*tail = &out->atomicFloat;
			tail = &out->atomicFloat.pNext;
		}
		if (out->hasShaderClock) {
			out->clock.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CLOCK_FEATURES_KHR;
			*tail = &out->clock;
			tail = &out->clock.pNext;
		}
		if (out->hasSubgroupSizeControl) {
			out->sgsc.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES;
			*tail = &out->sgsc;
			tail = &out->sgsc.pNext;
		}
		VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR pe;
		memset(&pe, 0, sizeof pe);
		if (out->hasPipelineExecProps) {
			pe.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR;
			*tail = &pe;
			tail = &pe.pNext;
		}
		in->GetPhysicalDeviceFeatures2(pd, &f2);
		out->hasPipelineExecProps = out->hasPipelineExecProps && pe.pipelineExecutableInfo;
		out->features = f2.features;
		out->features11.pNext = NULL;
		out->features12.pNext = NULL;
		out->atomicFloat.pNext = NULL;
		out->clock.pNext = NULL;
		out->sgsc.pNext = NULL;
	}

	VkPhysicalDeviceMemoryProperties2 m2;
	memset(&m2, 0, sizeof m2);
	m2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
	if (out->hasMemoryBudget) {
		out->budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
		m2.pNext = &out->budget;
	}
	in->GetPhysicalDeviceMemoryProperties2(pd, &m2);
	out->mem = m2.memoryProperties;
	out->budget.pNext = NULL;

	uint32_t nq = 0;
	in->GetPhysicalDeviceQueueFamilyProperties(pd, &nq, NULL);
	if (nq > 16) nq = 16;
	in->GetPhysicalDeviceQueueFamilyProperties(pd, &nq, out->queueFamilies);
	out->queueFamilyCount = nq;
}

void shal_memory_budget(shal_inst* in, VkPhysicalDevice pd, VkPhysicalDeviceMemoryBudgetPropertiesEXT* out) {
	VkPhysicalDeviceMemoryProperties2 m2;
	memset(&m2, 0, sizeof m2);
	memset(out, 0, sizeof *out);
	m2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
	out->sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
	m2.pNext = out;
	in->GetPhysicalDeviceMemoryProperties2(pd, &m2);
	out->pNext = NULL;
}

VkResult shal_create_device(shal_inst* in, VkPhysicalDevice pd, const shal_pdinfo* info,
	uint32_t family, uint32_t nqueues, int opts, shal_dev* out) {
	float prio[64];
	if (nqueues > 64) nqueues = 64;
	for (uint32_t i = 0; i < nqueues; i++) prio[i] = 1.0f;
	VkDeviceQueueCreateInfo qci;
	memset(&qci, 0, sizeof qci);
	qci.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
	qci.queueFamilyIndex = family;
	qci.queueCount = nqueues;
	qci.pQueuePriorities = prio;

	// Enable only what compute kernels can use, and only where supported.
	VkPhysicalDeviceFeatures2 f2;
	memset(&f2, 0, sizeof f2);
	f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
	const VkPhysicalDeviceFeatures* hf = &info->features;
	f2.features.shaderFloat64 = hf->shaderFloat64;
	f2.features.shaderInt64 = hf->shaderInt64;
	f2.features.shaderInt16 = hf->shaderInt16;
	VkPhysicalDeviceVulkan11Features f11;
	memset(&f11, 0, sizeof f11);
	f11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
	const VkPhysicalDeviceVulkan11Features* h11 = &info->features11;
	f11.storageBuffer16BitAccess = h11->storageBuffer16BitAccess;
	f11.uniformAndStorageBuffer16BitAccess = h11->uniformAndStorageBuffer16BitAccess;
	f11.storagePushConstant16 = h11->storagePushConstant16;
	f11.variablePointersStorageBuffer = h11->variablePointersStorageBuffer;
	f11.variablePointers = h11->variablePointers;
	VkPhysicalDeviceVulkan12Features f12;
	memset(&f12, 0, sizeof f12);
	f12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
	const VkPhysicalDeviceVulkan12Features* h12 = &info->features12;
	f12.storageBuffer8BitAccess = h12->storageBuffer8BitAccess;
	f12.uniformAndStorageBuffer8BitAccess = h12->uniformAndStorageBuffer8BitAccess;
	f12.storagePushConstant8 = h12->storagePushConstant8;
	f12.shaderBufferInt64Atomics = h12->shaderBufferInt64Atomics;
	f12.shaderSharedInt64Atomics = h12->shaderSharedInt64Atomics;
	f12.shaderFloat16 = h12->shaderFloat16;
	f12.shaderInt8 = h12->shaderInt8;
	f12.scalarBlockLayout = h12->scalarBlockLayout;
	f12.uniformBufferStandardLayout = h12->uniformBufferStandardLayout;
	f12.shaderSubgroupExtendedTypes = h12->shaderSubgroupExtendedTypes;
	f12.hostQueryReset = h12->hostQueryReset;
	f12.timelineSemaphore = h12->timelineSemaphore;
	f12.bufferDeviceAddress = h12->bufferDeviceAddress;
	f12.vulkanMemoryModel = h12->vulkanMemoryModel;
	f12.vulkanMemoryModelDeviceScope = h12->vulkanMemoryModelDeviceScope;
	f2.pNext = &f11;
	f11.pNext = &f12;

	const char* exts[8];
	uint32_t nexts = 0;
	if (opts & SHAL_OPT_HOST_MEMORY) exts[nexts++] = "VK_EXT_external_memory_host";
	// VK_KHR_external_memory_fd needs VK_KHR_external_memory, core since
	// 1.1 (the devices we use are 1.2): not named, as a 1.2 device need not
	// list it.
	if (opts & SHAL_OPT_MEMORY_FD) exts[nexts++] = "VK_KHR_external_memory_fd";
	// The PTX translator's optional features, each with its extension.
	void** tail = &f12.pNext;
	VkPhysicalDeviceShaderAtomicFloatFeaturesEXT af;
	memset(&af, 0, sizeof af);
	if (info->hasAtomicFloat) {
		af.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_FLOAT_FEATURES_EXT;
		af.shaderBufferFloat32Atomics = info->atomicFloat.shaderBufferFloat32Atomics;
		af.shaderBufferFloat32AtomicAdd = info->atomicFloat.shaderBufferFloat32AtomicAdd;
		af.shaderBufferFloat64Atomics = info->atomicFloat.shaderBufferFloat64Atomics;
		af.shaderBufferFloat64AtomicAdd = info->atomicFloat.shaderBufferFloat64AtomicAdd;
		af.shaderSharedFloat32Atomics = info->atomicFloat.shaderSharedFloat32Atomics;
		af.shaderSharedFloat32AtomicAdd = info->atomicFloat.shaderSharedFloat32AtomicAdd;
		*tail = &af;
		tail = &af.pNext;
		exts[nexts++] = "VK_EXT_shader_atomic_float";
	}
	VkPhysicalDeviceShaderClockFeaturesKHR ck;
	memset(&ck, 0, sizeof ck);
	if (info->hasShaderClock) {
		ck.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CLOCK_FEATURES_KHR;
		ck.shaderSubgroupClock = info->clock.shaderSubgroupClock;
		ck.shaderDeviceClock = info->clock.shaderDeviceClock;
		*tail = &ck;
		tail = &ck.pNext;
		exts[nexts++] = "VK_KHR_shader_clock";
	}
	VkPhysicalDeviceSubgroupSizeControlFeatures sc;
	memset(&sc, 0, sizeof sc);
	if (info->hasSubgroupSizeControl && info->sgsc.subgroupSizeControl) {
		sc.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES;
		sc.subgroupSizeControl = info->sgsc.subgroupSizeControl;
		sc.computeFullSubgroups = info->sgsc.computeFullSubgroups;
		*tail = &sc;
		tail = &sc.pNext;
		if (info->props.apiVersion < VK_MAKE_API_VERSION(0, 1, 3, 0)) exts[nexts++] = "VK_EXT_subgroup_size_control";
	}

	VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR pe;
	memset(&pe, 0, sizeof pe);
	if ((opts & SHAL_OPT_PIPELINE_STATS) && info->hasPipelineExecProps) {
		pe.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR;
		pe.pipelineExecutableInfo = 1;
		*tail = &pe;
		tail = &pe.pNext;
		exts[nexts++] = "VK_KHR_pipeline_executable_properties";
	}

	VkDeviceCreateInfo dci;
	memset(&dci, 0, sizeof dci);
	dci.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
	dci.pNext = &f2;
	dci.queueCreateInfoCount = 1;
	dci.pQueueCreateInfos = &qci;
	dci.enabledExtensionCount = nexts;
	dci.ppEnabledExtensionNames = nexts ? exts : NULL;
	memset(out, 0, sizeof *out);
	VkResult r = in->CreateDevice(pd, &dci, NULL, &out->device);
	if (r == VK_SUCCESS) out->live[SHAL_OBJ_DEVICE] = 1;
	return r;
}

#define LOADD(name)                                                                \
	d->name = (PFN_vk##name)in->GetDeviceProcAddr(d->device, "vk" #name);      \
	if (!d->name) return "vk" #name;

const char* shal_load_device(shal_inst* in, shal_dev* d, int opts) {
	LOADD(DestroyDevice)
	LOADD(GetDeviceQueue)
	LOADD(DeviceWaitIdle)
	LOADD(QueueSubmit)
	LOADD(QueueWaitIdle)
	LOADD(CreateBuffer)
	LOADD(DestroyBuffer)
	LOADD(GetBufferMemoryRequirements)
	LOADD(AllocateMemory)
	LOADD(FreeMemory)
	LOADD(BindBufferMemory)
	LOADD(MapMemory)
	LOADD(UnmapMemory)
	LOADD(GetBufferDeviceAddress)
	LOADD(CreateCommandPool)
	LOADD(DestroyCommandPool)
	LOADD(AllocateCommandBuffers)
	LOADD(FreeCommandBuffers)
	LOADD(BeginCommandBuffer)
	LOADD(EndCommandBuffer)
	LOADD(ResetCommandBuffer)
	LOADD(CmdBindPipeline)
	LOADD(CmdPushConstants)
	LOADD(CmdDispatch)
	LOADD(CmdDispatchBase)
	LOADD(CmdPipelineBarrier)
	LOADD(CmdCopyBuffer)
	LOADD(CmdFillBuffer)
	LOADD(CmdResetQueryPool)
	LOADD(CmdWriteTimestamp)
	LOADD(CreateQueryPool)
	LOADD(DestroyQueryPool)
	LOADD(GetQueryPoolResults)
	LOADD(CreateShaderModule)
	LOADD(DestroyShaderModule)
	LOADD(CreatePipelineLayout)
	LOADD(DestroyPipelineLayout)
	LOADD(CreateComputePipelines)
	LOADD(DestroyPipeline)
	LOADD(CreateSemaphore)
	LOADD(DestroySemaphore)
	LOADD(GetSemaphoreCounterValue)
	LOADD(WaitSemaphores)
	LOADD(SignalSemaphore)
	if (opts & SHAL_OPT_HOST_MEMORY) {
		LOADD(GetMemoryHostPointerPropertiesEXT)
	}
	if (opts & SHAL_OPT_MEMORY_FD) {
		LOADD(GetMemoryFdKHR)
	}
	if (opts & SHAL_OPT_PIPELINE_STATS) {
		LOADD(GetPipelineExecutablePropertiesKHR)
		LOADD(GetPipelineExecutableStatisticsKHR)
		d->captureStats = 1;
	}
	return NULL;
}

void shal_destroy_device(shal_dev* d) {
	if (d->device) {
		d->DestroyDevice(d->device, NULL);
		d->device = NULL;
		LIVE_ADD(d, SHAL_OBJ_DEVICE, -1);
	}
}

VkQueue shal_get_queue(shal_dev* d, uint32_t family, uint32_t index) {
	VkQueue q = NULL;
	d->GetDeviceQueue(d->device, family, index, &q);
	return q;
}

VkResult shal_alloc_buffer(shal_dev* d, shal_alloc* a) {
	VkExternalMemoryBufferCreateInfo ext;
	memset(&ext, 0, sizeof ext);
	ext.sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO;
	ext.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
	int opaque = a->exportable || a->importOpaque;
	if (opaque) ext.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;

	VkBufferCreateInfo bci;
	memset(&bci, 0, sizeof bci);
	bci.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
	bci.pNext = (a->importHost || opaque) ? &ext : NULL;
	bci.size = a->size;
	bci.usage = SHAL_BUFFER_USAGE;
	bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
	VkBuffer buf = 0;
	VkResult r = d->CreateBuffer(d->device, &bci, NULL, &buf);
	if (r != VK_SUCCESS) return r;
	LIVE_ADD(d, SHAL_OBJ_BUFFER, 1);

	VkMemoryRequirements req;
	memset(&req, 0, sizeof req);
	d->GetBufferMemoryRequirements(d->device, buf, &req);
	uint32_t typeBits = req.memoryTypeBits;
	VkDeviceSize allocSize = req.size;

	VkImportMemoryHostPointerInfoEXT imp;
	memset(&imp, 0, sizeof imp);
	if (a->importHost) {
		VkMemoryHostPointerPropertiesEXT hp;
		memset(&hp, 0, sizeof hp);
		hp.sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT;
		r = d->GetMemoryHostPointerPropertiesEXT(d->device, VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
			(const void*)a->importHost, &hp);
		if (r != VK_SUCCESS) goto fail;
		typeBits &= hp.memoryTypeBits;
		imp.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT;
		imp.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT;
		imp.pHostPointer = (void*)a->importHost;
		allocSize = a->size; // the caller rounded it to the import alignment
	}

	VkMemoryAllocateFlagsInfo flags;
	memset(&flags, 0, sizeof flags);
	flags.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO;
	flags.pNext = a->importHost ? &imp : NULL;
	flags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;

	// Opaque-fd memory, exported or imported: an import must name the
	// exporter's memory type and size (the caller passes them as the only
	// candidate and importSize), and both sides use a dedicated
	// allocation where the driver asks for one.
	VkExportMemoryAllocateInfo exp;
	memset(&exp, 0, sizeof exp);
	VkImportMemoryFdInfoKHR impfd;
	memset(&impfd, 0, sizeof impfd);
	VkMemoryDedicatedAllocateInfo ded;
	memset(&ded, 0, sizeof ded);
	const void** tail = &flags.pNext;
	if (a->exportable) {
		exp.sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO;
		exp.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
		*tail = &exp;
		tail = &exp.pNext;
	}
	if (a->importOpaque) {
		impfd.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR;
		impfd.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
		// A successful import takes the descriptor: hand Vulkan a copy,
		// so that the caller closes its own whatever happens.
		impfd.fd = dup(a->importFd);
		if (impfd.fd < 0) {
			r = VK_ERROR_TOO_MANY_OBJECTS;
			goto fail;
		}
		*tail = &impfd;
		tail = &impfd.pNext;
		if (a->importSize < req.size) {
			close(impfd.fd);
			r = VK_ERROR_INVALID_EXTERNAL_HANDLE;
			goto fail;
		}
		allocSize = a->importSize;
	}
	if (opaque && a->dedicated) {
		ded.sType = VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO;
		ded.buffer = buf;
		*tail = &ded;
		tail = &ded.pNext;
	}

	r = VK_ERROR_OUT_OF_DEVICE_MEMORY;
	VkDeviceMemory mem = 0;
	uint32_t chosen = 0;
	for (uint32_t i = 0; i < a->ncandidates; i++) {
		uint32_t t = a->candidates[i];
		if (!(typeBits & (1u << t))) continue;
		VkMemoryAllocateInfo mai;
		memset(&mai, 0, sizeof mai);
		mai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
		mai.pNext = &flags;
		mai.allocationSize = allocSize;
		mai.memoryTypeIndex = t;
		r = d->AllocateMemory(d->device, &mai, NULL, &mem);
		if (r == VK_SUCCESS) {
			chosen = t;
			break;
		}
		if (r != VK_ERROR_OUT_OF_DEVICE_MEMORY && r != VK_ERROR_OUT_OF_HOST_MEMORY) break;
		if (a->importOpaque) break; // one type only
	}
	if (r != VK_SUCCESS) {
		if (a->importOpaque) close(impfd.fd); // not taken
		goto fail;
	}
	LIVE_ADD(d, SHAL_OBJ_MEMORY, 1);

	r = d->BindBufferMemory(d->device, buf, mem, 0);
	if (r != VK_SUCCESS) goto failmem;
	void* mapped = NULL;
	if (!a->importHost && (a->hostVisibleMask & (1u << chosen))) {
		r = d->MapMemory(d->device, mem, 0, ~(VkDeviceSize)0, 0, &mapped);
		if (r != VK_SUCCESS) goto failmem;
	}
	VkBufferDeviceAddressInfo bda;
	memset(&bda, 0, sizeof bda);
	bda.sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO;
	bda.buffer = buf;
	a->address = d->GetBufferDeviceAddress(d->device, &bda);
	a->buffer = buf;
	a->memory = mem;
	a->mapped = mapped;
	a->memoryType = chosen;
	a->allocSize = allocSize;
	return VK_SUCCESS;

failmem:
	d->FreeMemory(d->device, mem, NULL);
	LIVE_ADD(d, SHAL_OBJ_MEMORY, -1);
fail:
	d->DestroyBuffer(d->device, buf, NULL);
	LIVE_ADD(d, SHAL_OBJ_BUFFER, -1);
	return r;
}

void shal_free_buffer(shal_dev* d, VkBuffer b, VkDeviceMemory m, int mapped) {
	if (b) {
		d->DestroyBuffer(d->device, b, NULL);
		LIVE_ADD(d, SHAL_OBJ_BUFFER, -1);
	}
	if (m) {
		if (mapped) d->UnmapMemory(d->device, m);
		d->FreeMemory(d->device, m, NULL);
		LIVE_ADD(d, SHAL_OBJ_MEMORY, -1);
	}
}

// shal_export_fd returns a new opaque fd of memory allocated exportable.
VkResult shal_export_fd(shal_dev* d, VkDeviceMemory m, int* fd) {
	VkMemoryGetFdInfoKHR gi;
	memset(&gi, 0, sizeof gi);
	gi.sType = VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR;
	gi.memory = m;
	gi.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT;
	*fd = -1;
	return d->GetMemoryFdKHR(d->device, &gi, fd);
}

VkResult shal_create_command_pool(shal_dev* d, uint32_t family, VkCommandPool* out) {
	VkCommandPoolCreateInfo ci;
	memset(&ci, 0, sizeof ci);
	ci.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
	ci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
	ci.queueFamilyIndex = family;
	VkResult r = d->CreateCommandPool(d->device, &ci, NULL, out);
	if (r == VK_SUCCESS) LIVE_ADD(d, SHAL_OBJ_COMMAND_POOL, 1);
	return r;
}

void shal_destroy_command_pool(shal_dev* d, VkCommandPool p) {
	if (!p) return;
	d->DestroyCommandPool(d->device, p, NULL);
	LIVE_ADD(d, SHAL_OBJ_COMMAND_POOL, -1);
}

VkResult shal_alloc_command_buffer(shal_dev* d, VkCommandPool p, VkCommandBuffer* out) {
	VkCommandBufferAllocateInfo ai;
	memset(&ai, 0, sizeof ai);
	ai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
	ai.commandPool = p;
	ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
	ai.commandBufferCount = 1;
	return d->AllocateCommandBuffers(d->device, &ai, out);
}

void shal_free_command_buffer(shal_dev* d, VkCommandPool p, VkCommandBuffer c) {
	d->FreeCommandBuffers(d->device, p, 1, &c);
}

VkResult shal_begin(shal_dev* d, VkCommandBuffer c, VkFlags flags) {
	VkCommandBufferBeginInfo bi;
	memset(&bi, 0, sizeof bi);
	bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
	bi.flags = flags;
	return d->BeginCommandBuffer(c, &bi);
}

VkResult shal_end(shal_dev* d, VkCommandBuffer c) { return d->EndCommandBuffer(c); }

void shal_barrier(shal_dev* d, VkCommandBuffer c, VkFlags srcStage, VkFlags dstStage, VkFlags srcAccess, VkFlags dstAccess) {
	VkMemoryBarrier mb;
	memset(&mb, 0, sizeof mb);
	mb.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
	mb.srcAccessMask = srcAccess;
	mb.dstAccessMask = dstAccess;
	d->CmdPipelineBarrier(c, srcStage, dstStage, 0, 1, &mb, 0, NULL, 0, NULL);
}

// The barrier between two consecutive operations of a queue: every compute
// or transfer write before it is visible to every compute or transfer
// access after it.
static void op_barrier(shal_dev* d, VkCommandBuffer c) {
	shal_barrier(d, c,
		VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
		VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
		VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
		VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
			VK_ACCESS_TRANSFER_WRITE_BIT);
}

void shal_cmd_dispatch(shal_dev* d, VkCommandBuffer c, int barrier, VkPipeline p, VkPipelineLayout l,
	const void* push, uint32_t pushSize, uint32_t gx, uint32_t gy, uint32_t gz,
	uint32_t mx, uint32_t my, uint32_t mz) {
	if (barrier) op_barrier(d, c);
	// p == 0 (a null handle), pushSize == 0: the caller knows that c has the
	// pipeline bound and the push constants pushed already.
	if (p != 0) d->CmdBindPipeline(c, VK_PIPELINE_BIND_POINT_COMPUTE, p);
	if (pushSize > 0) d->CmdPushConstants(c, l, VK_SHADER_STAGE_COMPUTE_BIT, 0, pushSize, push);
	if (gx <= mx && gy <= my && gz <= mz) {
		d->CmdDispatch(c, gx, gy, gz);
		return;
	}
	// The grid exceeds maxComputeWorkGroupCount: cover it with several
	// dispatches whose base offsets show up in gl_WorkGroupID.
	for (uint64_t z = 0; z < gz; z += mz) {
		uint32_t nz = (uint32_t)(gz - z < mz ? gz - z : mz);
		for (uint64_t y = 0; y < gy; y += my) {
			uint32_t ny = (uint32_t)(gy - y < my ? gy - y : my);
			for (uint64_t x = 0; x < gx; x += mx) {
				uint32_t nx = (uint32_t)(gx - x < mx ? gx - x : mx);
				d->CmdDispatchBase(c, (uint32_t)x, (uint32_t)y, (uint32_t)z, nx, ny, nz);
			}
		}
	}
}

void shal_cmd_copy(shal_dev* d, VkCommandBuffer c, int barrier, VkBuffer src, VkDeviceSize srcOff,
	VkBuffer dst, VkDeviceSize dstOff, VkDeviceSize size) {
	if (barrier) op_barrier(d, c);
	VkBufferCopy r;
	r.srcOffset = srcOff;
	r.dstOffset = dstOff;
	r.size = size;
	d->CmdCopyBuffer(c, src, dst, 1, &r);
}

void shal_cmd_fill(shal_dev* d, VkCommandBuffer c, int barrier, VkBuffer dst, VkDeviceSize off,
	VkDeviceSize size, uint32_t data) {
	if (barrier) op_barrier(d, c);
	d->CmdFillBuffer(c, dst, off, size, data);
}

void shal_cmd_timestamp(shal_dev* d, VkCommandBuffer c, VkQueryPool pool, uint32_t query) {
	d->CmdResetQueryPool(c, pool, query, 1);
	d->CmdWriteTimestamp(c, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, query);
}

VkResult shal_submit(shal_dev* d, VkQueue q, VkCommandBuffer c, uint32_t nwait,
	const VkSemaphore* waits, const uint64_t* waitValues, VkSemaphore signal, uint64_t signalValue) {
	VkFlags stages[32];
	if (nwait > 32) return VK_ERROR_TOO_MANY_OBJECTS;
	for (uint32_t i = 0; i < nwait; i++) stages[i] = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
	VkTimelineSemaphoreSubmitInfo ts;
	memset(&ts, 0, sizeof ts);
	ts.sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO;
	ts.waitSemaphoreValueCount = nwait;
	ts.pWaitSemaphoreValues = waitValues;
	ts.signalSemaphoreValueCount = 1;
	ts.pSignalSemaphoreValues = &signalValue;
	VkSubmitInfo si;
	memset(&si, 0, sizeof si);
	si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
	si.pNext = &ts;
	si.waitSemaphoreCount = nwait;
	si.pWaitSemaphores = waits;
	si.pWaitDstStageMask = stages;
	si.commandBufferCount = c ? 1 : 0;
	si.pCommandBuffers = c ? &c : NULL;
	si.signalSemaphoreCount = 1;
	si.pSignalSemaphores = &signal;
	return d->QueueSubmit(q, 1, &si, 0);
}

VkResult shal_create_timeline(shal_dev* d, uint64_t initial, VkSemaphore* out) {
	VkSemaphoreTypeCreateInfo tci;
	memset(&tci, 0, sizeof tci);
	tci.sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO;
	tci.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
	tci.initialValue = initial;
	VkSemaphoreCreateInfo ci;
	memset(&ci, 0, sizeof ci);
	ci.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO;
	ci.pNext = &tci;
	VkResult r = d->CreateSemaphore(d->device, &ci, NULL, out);
	if (r == VK_SUCCESS) LIVE_ADD(d, SHAL_OBJ_SEMAPHORE, 1);
	return r;
}

void shal_destroy_semaphore(shal_dev* d, VkSemaphore s) {
	if (!s) return;
	d->DestroySemaphore(d->device, s, NULL);
	LIVE_ADD(d, SHAL_OBJ_SEMAPHORE, -1);
}

VkResult shal_semaphore_value(shal_dev* d, VkSemaphore s, uint64_t* out) {
	return d->GetSemaphoreCounterValue(d->device, s, out);
}

VkResult shal_wait_semaphore(shal_dev* d, VkSemaphore s, uint64_t value, uint64_t timeoutNs) {
	VkSemaphoreWaitInfo wi;
	memset(&wi, 0, sizeof wi);
	wi.sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO;
	wi.semaphoreCount = 1;
	wi.pSemaphores = &s;
	wi.pValues = &value;
	return d->WaitSemaphores(d->device, &wi, timeoutNs);
}

VkResult shal_signal_semaphore(shal_dev* d, VkSemaphore s, uint64_t value) {
	VkSemaphoreSignalInfo si;
	memset(&si, 0, sizeof si);
	si.sType = VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO;
	si.semaphore = s;
	si.value = value;
	return d->SignalSemaphore(d->device, &si);
}

VkResult shal_create_shader_module(shal_dev* d, const void* code, size_t size, VkShaderModule* out) {
	VkShaderModuleCreateInfo ci;
	memset(&ci, 0, sizeof ci);
	ci.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
	ci.codeSize = size;
	ci.pCode = (const uint32_t*)code;
	VkResult r = d->CreateShaderModule(d->device, &ci, NULL, out);
	if (r == VK_SUCCESS) LIVE_ADD(d, SHAL_OBJ_SHADER_MODULE, 1);
	return r;
}

void shal_destroy_shader_module(shal_dev* d, VkShaderModule m) {
	if (!m) return;
	d->DestroyShaderModule(d->device, m, NULL);
	LIVE_ADD(d, SHAL_OBJ_SHADER_MODULE, -1);
}

VkResult shal_create_pipeline_layout(shal_dev* d, uint32_t pushSize, VkPipelineLayout* out) {
	VkPushConstantRange pr;
	pr.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
	pr.offset = 0;
	pr.size = pushSize;
	VkPipelineLayoutCreateInfo ci;
	memset(&ci, 0, sizeof ci);
	ci.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
	ci.pushConstantRangeCount = pushSize ? 1 : 0;
	ci.pPushConstantRanges = pushSize ? &pr : NULL;
	VkResult r = d->CreatePipelineLayout(d->device, &ci, NULL, out);
	if (r == VK_SUCCESS) LIVE_ADD(d, SHAL_OBJ_PIPELINE_LAYOUT, 1);
	return r;
}

void shal_destroy_pipeline_layout(shal_dev* d, VkPipelineLayout l) {
	if (!l) return;
	d->DestroyPipelineLayout(d->device, l, NULL);
	LIVE_ADD(d, SHAL_OBJ_PIPELINE_LAYOUT, -1);
}

VkResult shal_create_pipeline(shal_dev* d, VkShaderModule m, const char* entry, VkPipelineLayout l,
	uint32_t nspec, const uint32_t* specIDs, const uint32_t* specValues, uint32_t subgroupSize, uint32_t blockX, VkPipeline* out) {
	VkSpecializationMapEntry entries[8];
	if (nspec > 8) nspec = 8;
	VkPipelineShaderStageRequiredSubgroupSizeCreateInfo rs;
	memset(&rs, 0, sizeof rs);
	rs.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO;
	rs.requiredSubgroupSize = subgroupSize;
	for (uint32_t i = 0; i < nspec; i++) {
		entries[i].constantID = specIDs[i];
		entries[i].offset = i * 4;
		entries[i].size = 4;
	}
	VkSpecializationInfo si;
	memset(&si, 0, sizeof si);
	si.mapEntryCount = nspec;
	si.pMapEntries = entries;
	si.dataSize = nspec * 4;
	si.pData = specValues;
	VkComputePipelineCreateInfo ci;
	memset(&ci, 0, sizeof ci);
	ci.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
	ci.flags = VK_PIPELINE_CREATE_DISPATCH_BASE_BIT;
	ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
	ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
	ci.stage.module = m;
	ci.stage.pName = entry;
	ci.stage.pSpecializationInfo = nspec ? &si : NULL;
	if (subgroupSize) {
		// Warp operations on subgroup operations: 32 lanes, all present
		// when the block's x size allows it (Vulkan requires a multiple of
		// the subgroup size for full subgroups); otherwise the last
		// subgroup is partial, as the last warp of such a block is.
		ci.stage.pNext = &rs;
		if (blockX % subgroupSize == 0) ci.stage.flags = VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT;
	}
	ci.layout = l;
	ci.basePipelineIndex = -1;
	if (d->captureStats) ci.flags |= VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR;
	VkResult r = d->CreateComputePipelines(d->device, 0, 1, &ci, NULL, out);
	if (r == VK_SUCCESS) LIVE_ADD(d, SHAL_OBJ_PIPELINE, 1);
	return r;
}

int shal_pipeline_stats(shal_dev* d, VkPipeline p, char* buf, size_t n) {
	if (n == 0) return -1;
	buf[0] = 0;
	if (!d->captureStats) return -1;
	VkPipelineInfoKHR pi;
	memset(&pi, 0, sizeof pi);
	pi.sType = VK_STRUCTURE_TYPE_PIPELINE_INFO_KHR;
	pi.pipeline = p;
	VkPipelineExecutablePropertiesKHR props[4];
	memset(props, 0, sizeof props);
	uint32_t ne = 4;
	for (uint32_t i = 0; i < ne; i++) props[i].sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_PROPERTIES_KHR;
	VkResult r = d->GetPipelineExecutablePropertiesKHR(d->device, &pi, &ne, props);
	if (r != VK_SUCCESS && r != VK_INCOMPLETE) return -1;
	int count = 0;
	size_t at = 0;
	for (uint32_t e = 0; e < ne && e < 4; e++) {
		VkPipelineExecutableInfoKHR ei;
		memset(&ei, 0, sizeof ei);
		ei.sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR;
		ei.pipeline = p;
		ei.executableIndex = e;
		VkPipelineExecutableStatisticKHR st[32];
		memset(st, 0, sizeof st);
		uint32_t ns = 32;
		for (uint32_t i = 0; i < ns; i++) st[i].sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR;
		r = d->GetPipelineExecutableStatisticsKHR(d->device, &ei, &ns, st);
		if (r != VK_SUCCESS && r != VK_INCOMPLETE) continue;
		for (uint32_t i = 0; i < ns && i < 32 && at + 1 < n; i++) {
			st[i].name[255] = 0;
			char val[32];
			switch (st[i].format) {
			case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR:
				snprintf(val, sizeof val, "%s", st[i].value.b32 ? "true" : "false");
				break;
			case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR:
				snprintf(val, sizeof val, "%lld", (long long)st[i].value.i64);
				break;
			case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR:
				snprintf(val, sizeof val, "%llu", (unsigned long long)st[i].value.u64);
				break;
			default:
				snprintf(val, sizeof val, "%g", st[i].value.f64);
			}
			int w = snprintf(buf + at, n - at, "%s%s=%s", count ? "; " : "", st[i].name, val);
			if (w < 0) break;
			at += (size_t)w;
			if (at >= n) at = n - 1;
			count++;
		}
	}
	return count;
}

void shal_destroy_pipeline(shal_dev* d, VkPipeline p) {
	if (!p) return;
	d->DestroyPipeline(d->device, p, NULL);
	LIVE_ADD(d, SHAL_OBJ_PIPELINE, -1);
}

VkResult shal_create_query_pool(shal_dev* d, uint32_t count, VkQueryPool* out) {
	VkQueryPoolCreateInfo ci;
	memset(&ci, 0, sizeof ci);
	ci.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
	ci.queryType = VK_QUERY_TYPE_TIMESTAMP;
	ci.queryCount = count;
	VkResult r = d->CreateQueryPool(d->device, &ci, NULL, out);
	if (r == VK_SUCCESS) LIVE_ADD(d, SHAL_OBJ_QUERY_POOL, 1);
	return r;
}

void shal_destroy_query_pool(shal_dev* d, VkQueryPool p) {
	if (!p) return;
	d->DestroyQueryPool(d->device, p, NULL);
	LIVE_ADD(d, SHAL_OBJ_QUERY_POOL, -1);
}

VkResult shal_query_results(shal_dev* d, VkQueryPool p, uint32_t first, uint32_t count, uint64_t* out) {
	return d->GetQueryPoolResults(d->device, p, first, count, count * sizeof(uint64_t), out,
		sizeof(uint64_t), VK_QUERY_RESULT_64_BIT);
}

void shal_destroy_instance(shal_inst* in) {
	if (!in->instance) return;
	PFN_vkDestroyInstance di = in->DestroyInstance;
	if (!di) di = (PFN_vkDestroyInstance)in->gipa(in->instance, "vkDestroyInstance");
	if (di) di(in->instance, NULL);
	in->instance = NULL;
}

VkResult shal_device_wait_idle(shal_dev* d) { return d->DeviceWaitIdle(d->device); }

int64_t shal_live(shal_dev* d, int kind) {
	if (kind < 0 || kind >= SHAL_OBJ_COUNT) return 0;
	return __atomic_load_n(&d->live[kind], __ATOMIC_RELAXED);
}

VkResult shal_queue_wait_idle(shal_dev* d, VkQueue q) { return d->QueueWaitIdle(q); }
