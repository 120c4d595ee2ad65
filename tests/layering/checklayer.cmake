# Builds one probe (tests/layering/CMakeLists.txt) and says whether the layer's include path
# behaves as the layering rule wants: EXPECT "hidden" for a header of a higher layer or of ui/,
# "visible" for one of its own or a lower layer (which shows the probe itself works).
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${PROBE}
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
string(REGEX MATCH "${HEADER}: No such file or directory" missing "${output}")
if(EXPECT STREQUAL "hidden")
    if(result EQUAL 0)
        message(FATAL_ERROR "core/${LAYER} can include ${HEADER}: the layering rule is broken "
                            "(a layer sees only itself and the layers below it)")
    elseif(NOT missing)
        message(FATAL_ERROR "the probe for core/${LAYER} failed for another reason:\n${output}")
    endif()
    message(STATUS "core/${LAYER} cannot include ${HEADER}, as the layering rule wants")
else()
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "core/${LAYER} cannot include ${HEADER}, which is its own or below "
                            "it:\n${output}")
    endif()
    message(STATUS "core/${LAYER} includes ${HEADER}")
endif()
