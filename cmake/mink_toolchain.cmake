# Compiler settings shared by every mink target: ccache, warnings, sanitizers.

find_program(MINK_CCACHE ccache)
if(MINK_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${MINK_CCACHE}")
endif()

# Warnings apply to mink's own targets only (never exported to consumers).
add_library(mink_warnings INTERFACE)
target_compile_options(mink_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC 12 misreports Asio's coroutine frame allocator as mismatched new/delete.
  -Wno-mismatched-new-delete)
if(MINK_WARNINGS_AS_ERRORS)
  target_compile_options(mink_warnings INTERFACE -Werror)
endif()

if(MINK_SANITIZE)
  message(STATUS "mink: building with -fsanitize=${MINK_SANITIZE}")
  add_compile_options(-fsanitize=${MINK_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${MINK_SANITIZE})
endif()

# Declares a mink component library: mink_<name> with alias mink::<name>, public headers under
# <dir>/include, exported as mink::<name>.
function(mink_add_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(mink_${name} ${ARG_SOURCES})
  add_library(mink::${name} ALIAS mink_${name})
  set_target_properties(mink_${name} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(mink_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(mink_${name} PRIVATE $<BUILD_INTERFACE:mink_warnings>)
  # A component may have no public headers yet (git keeps no empty folders).
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include)
    install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endif()
endfunction()
