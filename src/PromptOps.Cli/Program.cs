using PromptOps.Cli;

return PromptOpsCli.Run(args, Console.Out, Console.Error);
