/* libFuzzer harness: trace importer, format "winmtr". */
#define FUZZ_IMPORT_FORMAT "winmtr"
#include "fuzz_import_common.h"
