package spirvgen_test

// The tests run the translated kernels on the Vulkan driver.
import _ "github.com/streamhal/streamhal/hal/vulkan"
