using System;
using RnnGen.Cli;

return RnnGenCli.Run(args, Console.Out, Console.Error);
