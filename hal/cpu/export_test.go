package cpu

// LiveAllocations is liveAllocations for the external tests.
var LiveAllocations = liveAllocations
