# Warnings for Portico's own targets; fatal with PORTICO_WERROR (CI turns it on).
function(portico_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor
      -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
      # g++ 12 flags every member a designated initializer leaves to its default, which is how
      # Portico's option structs are meant to be written.
      -Wno-missing-field-initializers)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} PRIVATE -Wshadow=local)
    endif()
    if(PORTICO_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()

# PORTICO_SANITIZE=address,undefined | thread
function(portico_set_sanitizers target)
  if(PORTICO_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${PORTICO_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=${PORTICO_SANITIZE})
  endif()
endfunction()

# g++ 12 reports a false -Wmismatched-new-delete on Asio's awaitable frames (operator new/delete
# are a matching pair in asio/impl/awaitable.hpp); silence it only where coroutines are used.
function(portico_asio_coroutine_warnings target)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
endfunction()
