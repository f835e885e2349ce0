// hipJitOption, with the values of AMD's headers; a change needs a source.
//
// Source: the hipJitOption enum of hip/hip_runtime_api.h as ROCm 6.x ships it
// (several independent copies agree: values 0 .. 16, hipJitOptionNumOptions
// 17). Later releases append more options and move hipJitOptionNumOptions;
// they are left out.

package hip

// JitOption is a hipJitOption, an option of hipModuleLoadDataEx.
type JitOption int

// hipJitOption values.
const (
	HipJitOptionMaxRegisters            JitOption = 0
	HipJitOptionThreadsPerBlock         JitOption = 1
	HipJitOptionWallTime                JitOption = 2
	HipJitOptionInfoLogBuffer           JitOption = 3
	HipJitOptionInfoLogBufferSizeBytes  JitOption = 4
	HipJitOptionErrorLogBuffer          JitOption = 5
	HipJitOptionErrorLogBufferSizeBytes JitOption = 6
	HipJitOptionOptimizationLevel       JitOption = 7
	HipJitOptionTargetFromContext       JitOption = 8
	HipJitOptionTarget                  JitOption = 9
	HipJitOptionFallbackStrategy        JitOption = 10
	HipJitOptionGenerateDebugInfo       JitOption = 11
	HipJitOptionLogVerbose              JitOption = 12
	HipJitOptionGenerateLineInfo        JitOption = 13
	HipJitOptionCacheMode               JitOption = 14
	HipJitOptionSm3xOpt                 JitOption = 15
	HipJitOptionFastCompile             JitOption = 16
	HipJitOptionNumOptions              JitOption = 17 // ROCm 6.x value; a count, not an option
)

var jitOptionNames = []enumName{
	{0, "hipJitOptionMaxRegisters"},
	{1, "hipJitOptionThreadsPerBlock"},
	{2, "hipJitOptionWallTime"},
	{3, "hipJitOptionInfoLogBuffer"},
	{4, "hipJitOptionInfoLogBufferSizeBytes"},
	{5, "hipJitOptionErrorLogBuffer"},
	{6, "hipJitOptionErrorLogBufferSizeBytes"},
	{7, "hipJitOptionOptimizationLevel"},
	{8, "hipJitOptionTargetFromContext"},
	{9, "hipJitOptionTarget"},
	{10, "hipJitOptionFallbackStrategy"},
	{11, "hipJitOptionGenerateDebugInfo"},
	{12, "hipJitOptionLogVerbose"},
	{13, "hipJitOptionGenerateLineInfo"},
	{14, "hipJitOptionCacheMode"},
	{15, "hipJitOptionSm3xOpt"},
	{16, "hipJitOptionFastCompile"},
	{17, "hipJitOptionNumOptions"},
}

// String returns the C name of o, or "JitOption(n)" for an unknown value.
func (o JitOption) String() string { return enumString(jitOptionNames, int(o), "JitOption") }
