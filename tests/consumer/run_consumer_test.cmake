# Builds tests/consumer/app twice: against an installed Portico (find_package) and against the
# source tree (add_subdirectory), then runs each consumer. Invoked by ctest with
# -DPORTICO_SOURCE_DIR, -DWORK_DIR, -DCMAKE_GENERATOR, -DPORTICO_BUILD_DIR.
cmake_minimum_required(VERSION 3.20)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(app ${PORTICO_SOURCE_DIR}/tests/consumer/app)

# 1. find_package: install the library from the build tree that ctest runs in.
run(${CMAKE_COMMAND} --install ${PORTICO_BUILD_DIR} --prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} -S ${app} -B ${WORK_DIR}/installed -G ${CMAKE_GENERATOR}
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DPORTICO_VIA=package)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/installed)
run(${WORK_DIR}/installed/consumer)

# 2. add_subdirectory: Portico built as part of the host project (its tests/examples stay off).
# Same build type and flags as the outer build, through ccache when present (scripts/test sets
# CCACHE_NOHASHDIR), so the library's objects come from the cache instead of a second compile.
set(launcher)
find_program(CCACHE ccache)
if(CCACHE)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE})
endif()
run(${CMAKE_COMMAND} -S ${app} -B ${WORK_DIR}/subdir -G ${CMAKE_GENERATOR} ${launcher}
    -DPORTICO_VIA=subdirectory -DPORTICO_SOURCE_DIR=${PORTICO_SOURCE_DIR} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DPORTICO_WERROR=${WERROR})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/subdir)
run(${WORK_DIR}/subdir/consumer)
