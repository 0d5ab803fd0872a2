/* libFuzzer harness: trace importer, format "tracert". */
#define FUZZ_IMPORT_FORMAT "tracert"
#include "fuzz_import_common.h"
