@echo off
rem keepwatch launcher for Windows.
rem   JAVA_HOME       the Java 17+ to use (default: java.exe on PATH)
rem   JAVA_OPTS       extra JVM options, e.g. -Xmx512m
rem   KEEPWATCH_OPTS  extra JVM options for keepwatch only; they come last, so they override the defaults
setlocal

rem The same JVM flags as bin/keepwatch and keepwatch.xml (WinSW).
set "DEFAULT_JVM_OPTS=-Dsun.jnu.encoding=UTF-8 -Dfile.encoding=UTF-8 -XX:+ExitOnOutOfMemoryError -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:G1PeriodicGCInterval=10000 -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.GHASH::*,0.01 -XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.GCTR::*,0.01 -XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.CounterMode::*,0.01 -XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.HmacCore::*,0.01 -XX:CompileCommand=CompileThresholdScaling,sun.security.provider.DigestBase::*,0.01 -XX:CompileCommand=CompileThresholdScaling,sun.security.provider.SHA2::*,0.01"

rem The installation folder: the parent of this script's folder, as an absolute path.
for %%i in ("%~dp0..") do set "APP_HOME=%%~fi"

set "JAVACMD=java.exe"
if not defined JAVA_HOME goto run
set "JAVACMD=%JAVA_HOME%\bin\java.exe"
if exist "%JAVACMD%" goto run
echo keepwatch: JAVA_HOME is %JAVA_HOME%, but %JAVACMD% does not exist 1>&2
exit /b 1

:run
rem The collector, as in bin/keepwatch: serial for every command but the service (run), which keeps G1;
rem a collector named in JAVA_OPTS or KEEPWATCH_OPTS wins.
set "GC_OPTS=-XX:+UseSerialGC"
if /I "%~1"=="run" set "GC_OPTS="
echo.%JAVA_OPTS% %KEEPWATCH_OPTS% | findstr /R /C:"-XX:+Use[A-Za-z0-9]*GC" >nul && set "GC_OPTS="
rem The JIT for push, as in bin/keepwatch: frequent callees inlined only up to 50 bytecodes (C2 compiled less).
set "JIT_OPTS="
if /I "%~1"=="push" set "JIT_OPTS=-XX:FreqInlineSize=50"
rem The JIT for verify, as in bin/keepwatch: C2 only for code ten times as hot as by default.
if /I "%~1"=="verify" set "JIT_OPTS=-XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=6000 -XX:Tier4CompileThreshold=150000 -XX:Tier4BackEdgeThreshold=400000"
"%JAVACMD%" %DEFAULT_JVM_OPTS% %GC_OPTS% %JIT_OPTS% "-Dkeepwatch.logback=%APP_HOME%\conf\logback.xml" %JAVA_OPTS% %KEEPWATCH_OPTS% -jar "%APP_HOME%\lib\keepwatch.jar" %*
exit /b %ERRORLEVEL%
