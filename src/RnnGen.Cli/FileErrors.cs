using System;
using System.IO;

namespace RnnGen.Cli;

/// <summary>Turns the exceptions of opening, reading and writing files into one-line messages (no stack trace).</summary>
internal static class FileErrors
{
    public static string Describe(string path, Exception exception) => exception switch
    {
        FileNotFoundException => $"{path}: no such file",
        DirectoryNotFoundException => $"{path}: no such file or directory",
        UnauthorizedAccessException when Directory.Exists(path) => $"{path}: is a directory, not a file",
        UnauthorizedAccessException => $"{path}: access denied",
        _ when Directory.Exists(path) => $"{path}: is a directory, not a file",
        _ => $"{path}: {exception.Message}",
    };
}
