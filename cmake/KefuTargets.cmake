# kefu_add_library()/kefu_add_executable()/kefu_add_test(): warnings, sanitizers and labels in one place.
set(KEFU_WARNINGS -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
if(KEFU_WERROR)
  list(APPEND KEFU_WARNINGS -Werror)
endif()
set(KEFU_SANITIZER_FLAGS "")
if(KEFU_SANITIZE)
  set(KEFU_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
endif()

function(_kefu_configure target)
  target_compile_options(${target} PRIVATE ${KEFU_WARNINGS} ${KEFU_SANITIZER_FLAGS})
  target_link_options(${target} PRIVATE ${KEFU_SANITIZER_FLAGS})
endfunction()

function(kefu_add_library name)
  add_library(${name} STATIC ${ARGN})
  _kefu_configure(${name})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

function(kefu_add_executable name)
  add_executable(${name} ${ARGN})
  _kefu_configure(${name})
endfunction()

# kefu_add_test(NAME name LABEL unit|integration|golden SOURCES ... LIBS ...)
function(kefu_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  _kefu_configure(${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${T_NAME} PRIVATE
    KEFU_SOURCE_DIR="${PROJECT_SOURCE_DIR}" KEFU_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS ${T_LABEL} TIMEOUT 600
    ENVIRONMENT "KEFU_INDEXER=$<TARGET_FILE:kefu-indexer>;KEFU_SERVER=$<TARGET_FILE:kefu-server>;KEFU_EVAL=$<TARGET_FILE:kefu-eval>")
endfunction()
