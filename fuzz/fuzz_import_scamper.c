/* libFuzzer harness: trace importer, format "scamper-json". */
#define FUZZ_IMPORT_FORMAT "scamper-json"
#include "fuzz_import_common.h"
